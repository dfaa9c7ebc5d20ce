"""SageMaker endpoint capacity as a failover meets it (moto 5.2.5: every update is InService at once).

``UpdateEndpointWeightsAndCapacities`` goes ``Updating``, its new instances come into service one by one, and it is
``InService`` again after the scale-up time; ``InvokeEndpoint`` answers only for an endpoint with instances in
service; an instance type a region has no room for makes the update roll back, InService at the old count with a
``FailureReason``; ``UpdateEndpoint`` (moto: NotImplementedError) deploys a new endpoint configuration blue/green,
refused for a variant registered with Application Auto Scaling whose instance type would change.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import AWSValidationException, ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from evac.aws.autoscaling import DIMENSION, resource_id

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.fidelity.latencies import Latencies


# SageMaker's FailureReason when it cannot get the instances an update asks for.
INSUFFICIENT_CAPACITY = (
    "InsufficientInstanceCapacity: Unable to provision requested ML compute capacity. "
    "Please retry using a different ML instance type."
)


class SageMakerScaling:
    """Endpoint capacity changes take time, instances serve as they come into service, and a region may have no
    capacity for an instance type.

    ``UpdateEndpointWeightsAndCapacities`` is refused while the endpoint is not InService ("Cannot update in-progress
    endpoint"); it sets ``DesiredInstanceCount`` at once and ``Updating`` status ("When it receives the request,
    SageMaker sets the endpoint status to Updating. After updating the endpoint, it sets the status to InService",
    API_UpdateEndpointWeightsAndCapacities). While it is Updating the variant's current and desired counts differ
    (API_ProductionVariantSummary): ``CurrentInstanceCount`` rises as each new instance comes into service and reaches
    the desired count when the endpoint returns to ``InService`` (``arrivals``). A scale-in takes effect at the end.
    ``InvokeEndpoint`` on an endpoint that is missing or has no instances in service fails with ``ValidationError``
    (API_runtime_InvokeEndpoint).

    Capacity: ``capacity[(region, instance_type)]`` caps the instances of that type the region can run for endpoints
    (a type not listed is unlimited); it is decided when an update is requested. A scale-up beyond it fails after
    ``endpoint_capacity_failure``: the endpoint is ``RollingBack`` if its variant is registered with Application Auto
    Scaling, then ``InService`` at its previous count with ``FailureReason`` set ("If the status of the endpoint is
    Failed, or the status is InService but update operation fails, this provides the reason why it failed";
    "RollingBack: Endpoint fails to scale up or down ... Once the rollback completes, endpoint returns to an
    InService status", API_DescribeEndpoint).

    ``UpdateEndpoint`` deploys a new endpoint configuration to a new fleet while the old one serves, then switches
    (blue/green, API_UpdateEndpoint): ``Updating``, then ``InService`` on the new configuration after the scale-up
    time, or, without capacity for the new fleet, ``InService`` on the old one with ``FailureReason``. "If the update
    would change the instance type for any model that is a target for auto scaling, the update fails"
    (endpoint-scaling-update): refused with ``ValidationException``.

    ``history`` keeps every change of an endpoint's instances in service with its modelled time (``at``), so a drill
    can tell what each endpoint could serve at any moment (``instances_at``).
    """

    def __init__(
        self, timeline: Timeline, latencies: Latencies, capacity: dict[tuple[str, str], int] | None = None
    ) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.capacity: dict[tuple[str, str], int] = capacity if capacity is not None else {}
        self.history: list[dict[str, Any]] = []

    def arrivals(self, before: int, desired: int) -> list[float]:
        """Modelled seconds after the request at which each new instance comes into service: the last after the
        scale-up time, the first (of several) after the first-instance time, the others evenly between."""
        new = desired - before
        first, last = self.latencies.endpoint_first_instance, self.latencies.endpoint_scale_up
        if new <= 1:
            return [last] * max(new, 0)
        return [first + (last - first) * i / (new - 1) for i in range(new)]

    def instances_at(self, region: str, endpoint: str, at: float) -> int:
        """The instances in service for ``endpoint`` in ``region`` at modelled time ``at`` (0 before it existed)."""
        seen = [h for h in self.history if h["region"] == region and h["endpoint"] == endpoint and h["at"] <= at]
        return int(seen[-1]["instances"]) if seen else 0

    def _record(self, region: str, endpoint: Any) -> None:
        for variant in endpoint.production_variants:
            self.history.append(
                {
                    "at": self.timeline.moment(),
                    "region": region,
                    "endpoint": endpoint.endpoint_name,
                    "variant": variant["VariantName"],
                    "status": endpoint.endpoint_status,
                    "instances": variant.get("CurrentInstanceCount", 0),
                    "desired": variant.get("DesiredInstanceCount", variant.get("CurrentInstanceCount", 0)),
                }
            )

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_create = SageMakerModelBackend.create_endpoint
        original_update = SageMakerModelBackend.update_endpoint_weights_and_capacities
        original_describe = SageMakerResponse.describe_endpoint
        original_list = SageMakerResponse.list_endpoints
        original_invoke = SageMakerRuntimeResponse.invoke_endpoint

        def create(backend: SageMakerModelBackend, *args: Any, **kwargs: Any) -> Any:
            created = original_create(backend, *args, **kwargs)
            extension._record(backend.region_name, created)
            return created

        def update(backend: SageMakerModelBackend, endpoint_name: str, desired_weights_and_capacities: list) -> str:
            extension.timeline.settle()
            endpoint = backend.endpoints.get(endpoint_name)
            if endpoint is not None and endpoint.endpoint_status != "InService":
                raise AWSValidationException(f"Cannot update in-progress endpoint {endpoint.arn}.")
            before = (
                {v["VariantName"]: v.get("CurrentInstanceCount", 0) for v in endpoint.production_variants}
                if endpoint
                else {}
            )
            arn = original_update(backend, endpoint_name, desired_weights_and_capacities)
            extension._scale(backend, backend.endpoints[endpoint_name], before, desired_weights_and_capacities)
            return str(arn)

        def update_endpoint(response: SageMakerResponse) -> ActionResult:
            extension.timeline.settle()
            return extension._update_endpoint(response)

        def describe(response: SageMakerResponse) -> Any:
            extension.timeline.settle()
            return original_describe(response)

        def list_endpoints(response: SageMakerResponse) -> Any:
            extension.timeline.settle()
            return original_list(response)

        def invoke(response: SageMakerRuntimeResponse) -> Any:
            extension.timeline.settle()
            name = response._get_param("EndpointName")
            endpoint = sagemaker_backends[response.current_account][response.region].endpoints.get(name)
            serving = endpoint is not None and any(
                v.get("CurrentInstanceCount", 0) > 0 for v in endpoint.production_variants
            )
            if (
                endpoint is None
                or not serving
                or endpoint.endpoint_status not in ("InService", "Updating", "RollingBack")
            ):
                body = {
                    "__type": "ValidationError",
                    "message": f"Endpoint {name} of account {response.current_account} not found or not serving.",
                }
                # moto takes the HTTP status from the headers' "status", not from the tuple's first item.
                return 400, {"status": 400, "x-amzn-errortype": "ValidationError"}, json.dumps(body)
            extension.timeline.clock.sleep(extension.latencies.inference)
            return original_invoke(response)

        stack.enter_context(patch.object(SageMakerModelBackend, "create_endpoint", create))
        stack.enter_context(patch.object(SageMakerModelBackend, "update_endpoint_weights_and_capacities", update))
        stack.enter_context(patch.object(SageMakerResponse, "update_endpoint", update_endpoint, create=True))
        stack.enter_context(patch.object(SageMakerResponse, "describe_endpoint", describe))
        stack.enter_context(patch.object(SageMakerResponse, "list_endpoints", list_endpoints))
        stack.enter_context(patch.object(SageMakerRuntimeResponse, "invoke_endpoint", invoke))

    def _scale(
        self, backend: SageMakerModelBackend, endpoint: FakeEndpoint, before: dict[str, int], desired: list[dict]
    ) -> None:
        """After moto set the desired counts: Updating at the old counts, new instances coming into service one by one,
        then InService at the new counts; or a rollback."""
        region = backend.region_name
        endpoint.endpoint_status = "Updating"
        endpoint.failure_reason = None
        for variant in endpoint.production_variants:
            variant["CurrentInstanceCount"] = before.get(variant["VariantName"], 0)
        self._record(region, endpoint)
        wanted = {
            v["VariantName"]: (self.instance_type(backend, endpoint, v["VariantName"]), v["DesiredInstanceCount"])
            for v in desired
            if v.get("DesiredInstanceCount") is not None
        }
        shortfall = self.shortfall(backend, endpoint, wanted, replacing=True)

        def arrival(variant: dict[str, Any]) -> Callable[[], None]:
            def arrive() -> None:
                current = variant["CurrentInstanceCount"]
                variant["CurrentInstanceCount"] = min(current + 1, variant["DesiredInstanceCount"])
                self._record(region, endpoint)

            return arrive

        def complete() -> None:
            for variant in endpoint.production_variants:
                variant["CurrentInstanceCount"] = variant.get("DesiredInstanceCount", 0)
            endpoint.endpoint_status = "InService"
            self._record(region, endpoint)

        def rolling_back() -> None:
            endpoint.endpoint_status = "RollingBack"

        def rolled_back() -> None:
            for variant in endpoint.production_variants:
                variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = before[variant["VariantName"]]
            endpoint.endpoint_status = "InService"
            endpoint.failure_reason = shortfall  # type: ignore[assignment]  # moto types it None
            self._record(region, endpoint)

        if shortfall is None:
            for variant in endpoint.production_variants:
                for seconds in self.arrivals(variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]):
                    self.timeline.after(seconds, arrival(variant))
            self.timeline.after(self.latencies.endpoint_scale_up, complete)
            return
        if self.autoscaled(backend, endpoint, list(wanted)):
            self.timeline.after(self.latencies.endpoint_capacity_failure, rolling_back)
        self.timeline.after(self.latencies.endpoint_capacity_failure + self.latencies.endpoint_rollback, rolled_back)

    def _update_endpoint(self, response: SageMakerResponse) -> ActionResult:
        backend = response.sagemaker_backend
        name, config_name = response._get_param("EndpointName"), response._get_param("EndpointConfigName")
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            arn = FakeEndpoint.arn_formatter(name, response.current_account, response.region)
            raise ValidationError(message=f"Could not find endpoint '{arn}'.")
        config = backend.endpoint_configs.get(config_name)
        if config is None:
            raise ValidationError(message=f"Could not find endpoint configuration '{config_name}'.")
        if endpoint.endpoint_status != "InService":
            raise AWSValidationException(f"Cannot update in-progress endpoint {endpoint.arn}.")
        changing = [
            v["VariantName"]
            for v in config.production_variants
            if v.get("InstanceType") != self.instance_type(backend, endpoint, v["VariantName"])
        ]
        if blocked := self.autoscaled(backend, endpoint, changing):
            raise AWSValidationException(
                f"The instance type of variant(s) {blocked} of {name} would change, and they are registered with "
                "Application Auto Scaling: deregister them (DeregisterScalableTarget) before UpdateEndpoint."
            )
        wanted = {
            v["VariantName"]: (v.get("InstanceType"), v.get("InitialInstanceCount", 0))
            for v in config.production_variants
        }
        shortfall = self.shortfall(backend, endpoint, wanted, replacing=False)
        endpoint.endpoint_status = "Updating"
        endpoint.failure_reason = None

        def switched() -> None:
            endpoint.endpoint_config_name = config_name
            endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
            endpoint.endpoint_status = "InService"
            self._record(backend.region_name, endpoint)

        def kept_old_fleet() -> None:
            endpoint.endpoint_status = "InService"
            endpoint.failure_reason = shortfall  # type: ignore[assignment]  # moto types it None

        if shortfall is None:
            self.timeline.after(self.latencies.endpoint_scale_up, switched)
        else:
            self.timeline.after(self.latencies.endpoint_capacity_failure, kept_old_fleet)
        return ActionResult({"EndpointArn": endpoint.arn})

    @staticmethod
    def instance_type(backend: SageMakerModelBackend, endpoint: FakeEndpoint, variant: str) -> str | None:
        """The instance type ``variant`` runs on: its endpoint configuration says (DescribeEndpoint does not)."""
        config = backend.endpoint_configs.get(endpoint.endpoint_config_name)
        variants = config.production_variants if config else []
        return next((v.get("InstanceType") for v in variants if v["VariantName"] == variant), None)

    def shortfall(
        self,
        backend: SageMakerModelBackend,
        endpoint: FakeEndpoint,
        wanted: dict[str, tuple[str | None, int]],
        *,
        replacing: bool,
    ) -> str | None:
        """Why the region cannot run ``wanted`` (variant -> (type, count)) besides what already runs, or None.

        ``replacing``: the variants' current instances are resized in place (a capacity change), not kept running
        beside a new fleet (an endpoint update).
        """
        for variant, (instance_type, count) in wanted.items():
            limit = self.capacity.get((backend.region_name, instance_type or ""))
            if limit is None:
                continue
            in_use = sum(  # instances running, or being provisioned for an update under way
                max(v.get("CurrentInstanceCount", 0), v.get("DesiredInstanceCount") or 0)
                for other in backend.endpoints.values()
                for v in other.production_variants
                if self.instance_type(backend, other, v["VariantName"]) == instance_type
                and not (replacing and other is endpoint and v["VariantName"] == variant)
            )
            if in_use + count > limit:
                return INSUFFICIENT_CAPACITY
        return None

    @staticmethod
    def autoscaled(backend: SageMakerModelBackend, endpoint: FakeEndpoint, variants: list[str]) -> list[str]:
        """Those of ``variants`` registered as Application Auto Scaling scalable targets."""
        targets = applicationautoscaling_backends[backend.account_id][backend.region_name].targets.get(DIMENSION, {})
        return [v for v in variants if resource_id(endpoint.endpoint_name, v) in targets]


class InferenceComponentVariants:
    """A production variant needs only ``VariantName``: one that hosts inference components names no model
    (SageMaker API reference, ``ProductionVariant``: ``ModelName`` is not required; ``CreateInferenceComponent``
    places models on such a variant). moto 5.2.5 requires ``ModelName`` on every variant (a KeyError)."""

    def install(self, stack: ExitStack) -> None:
        original = SageMakerModelBackend.validate_production_variants

        def validate(backend: SageMakerModelBackend, production_variants: list[dict[str, Any]]) -> None:
            original(backend, [v for v in production_variants if v.get("ModelName")])

        stack.enter_context(patch.object(SageMakerModelBackend, "validate_production_variants", validate))
