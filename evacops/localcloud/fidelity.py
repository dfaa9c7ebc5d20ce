"""evac's fidelity extensions to moto 5.2.5: the AWS behaviours a failover depends on that moto lacks or simplifies.

Each behaviour cites the AWS documentation it follows and plays its latency on the local cloud's scaled clock.
They are installed with ``unittest.mock.patch`` for the life of a ``LocalCloud`` and removed after it.

- Aurora Global Database ``FailoverGlobalCluster`` / ``SwitchoverGlobalCluster`` (moto: NotImplementedError).
- SageMaker ``UpdateEndpointWeightsAndCapacities`` goes ``Updating``, its new instances come into service one by one,
  and it is ``InService`` again after the scale-up time (moto: InService at once); ``InvokeEndpoint`` answers only for
  an endpoint with instances in service.
- Route 53 changes are ``PENDING`` until propagated, then ``INSYNC`` (moto: INSYNC at once).
- SageMaker capacity: an instance type a region has no room for makes the update roll back, InService at the old
  count with a ``FailureReason`` (moto: every update succeeds); ``UpdateEndpoint`` (moto: NotImplementedError) deploys
  a new endpoint configuration blue/green, refused for a variant registered with Application Auto Scaling whose
  instance type would change.
- Service Quotas for SageMaker's per-type endpoint quotas (moto: VPC defaults only, no ListServiceQuotas).
- DynamoDB global tables, version 2019.11.21: ``UpdateTable`` ``ReplicaUpdates`` creates the replica in the other
  region, ``CREATING`` then ``ACTIVE``, and ``DescribeTable`` lists ``Replicas`` (moto: no replicas at all).
- Step Functions names a failed task's error as AWS does: ``Lambda.TooManyRequestsException``,
  ``Lambda.SdkClientException``, ``Lambda.Unknown``, ``DynamoDB.InternalServerErrorException``... (moto: a throttled
  Lambda invoke is ``Exception``, an unreachable SNS is the uncatchable ``States.Runtime``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, cast
from unittest.mock import patch

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.cloudwatch.models import Alarm as FakeAlarm
from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.responses import DynamoHandler
from moto.rds.exceptions import RDSClientError
from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse
from moto.route53.exceptions import Route53ClientError
from moto.route53.responses import Route53
from moto.sagemaker.exceptions import AWSValidationException, ValidationError
from moto.sagemaker.models import FakeEndpoint, SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse
from moto.servicequotas.responses import ServiceQuotasResponse
from moto.stepfunctions.parser.api import HistoryEventType, LambdaFunctionFailedEventDetails, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
    StateTaskServiceDynamoDB,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns import (
    StateTaskServiceSns,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda

from evac.aws.autoscaling import DIMENSION, resource_id
from evac.aws.servicequotas import QUOTA_NAME

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    from evacops.localcloud.clock import Timeline


@dataclass(frozen=True)
class Latencies:
    """Modelled seconds each dependency takes, near AWS's own published figures."""

    # "Managed failovers ... typically complete in about a minute" / switchovers wait for replication to catch up.
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
    aurora_failover: float = 60.0
    aurora_switchover: float = 90.0
    # New ML instances are provisioned, the container pulled and the model loaded: several minutes. The last new
    # instance serves after endpoint_scale_up; when several are added, the first after endpoint_first_instance.
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html
    endpoint_scale_up: float = 360.0
    endpoint_first_instance: float = 240.0
    # "Changes generally propagate to all Route 53 name servers within 60 seconds."
    # https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html
    dns_propagation: float = 60.0
    # How long SageMaker tries to provision instances before an update fails for lack of capacity, and how long the
    # rollback to the previous configuration takes: AWS publishes no figure; evac's estimates.
    endpoint_capacity_failure: float = 180.0
    endpoint_rollback: float = 30.0
    # Adding a replica to a global table copies the table: minutes for a small one.
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables.tutorial.html
    dynamodb_replica: float = 300.0
    # One real-time inference, request to response, as a client in the region sees it (model-dependent; a small
    # tabular model answers in tens of milliseconds). The canary times this, not the local cloud's own compute.
    inference: float = 0.045


# SageMaker's FailureReason when it cannot get the instances an update asks for.
INSUFFICIENT_CAPACITY = (
    "InsufficientInstanceCapacity: Unable to provision requested ML compute capacity. "
    "Please retry using a different ML instance type."
)


class AuroraGlobalFailover:
    """``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster``.

    While the writer moves, the global cluster's ``Status`` is ``failing-over`` / ``switching-over`` and its
    ``FailoverState`` names the source and target clusters; when done the target member ``IsWriter`` and the old
    writer is a reader (API_FailoverGlobalCluster, API_SwitchoverGlobalCluster, API_FailoverState). A switchover is
    refused unless every secondary is ``available`` (InvalidDBClusterStateFault); a failover is refused without
    ``AllowDataLoss`` or ``Switchover`` (InvalidParameterCombination).
    """

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_describe = RDSResponse.describe_global_clusters
        original_create = RDSBackend.create_global_cluster

        def create_global_cluster(backend: RDSBackend, *args: Any, **kwargs: Any) -> Any:
            """The source cluster of a new global cluster is its primary: the writer (moto leaves IsWriter false)."""
            created = original_create(backend, *args, **kwargs)
            for member in created.members:
                member.is_writer = True
            created.failover_state = None  # type: ignore[attr-defined]  # evac adds FailoverState to moto's model
            return created

        def failover_global_cluster(response: RDSResponse) -> ActionResult:
            params = response.params
            if not params.get("AllowDataLoss") and not params.get("Switchover"):
                raise RDSClientError(
                    "InvalidParameterCombination", "Specify AllowDataLoss or Switchover to fail over a global cluster"
                )
            kind = "switching-over" if params.get("Switchover") else "failing-over"
            seconds = (
                extension.latencies.aurora_switchover
                if kind == "switching-over"
                else extension.latencies.aurora_failover
            )
            return extension._promote(response, kind, seconds)

        def switchover_global_cluster(response: RDSResponse) -> ActionResult:
            return extension._promote(response, "switching-over", extension.latencies.aurora_switchover)

        def describe_global_clusters(response: RDSResponse) -> Any:
            extension.timeline.settle()
            return original_describe(response)

        stack.enter_context(patch.object(RDSBackend, "create_global_cluster", create_global_cluster))
        stack.enter_context(patch.object(RDSResponse, "failover_global_cluster", failover_global_cluster, create=True))
        stack.enter_context(
            patch.object(RDSResponse, "switchover_global_cluster", switchover_global_cluster, create=True)
        )
        stack.enter_context(patch.object(RDSResponse, "describe_global_clusters", describe_global_clusters))

    def _promote(self, response: RDSResponse, kind: str, seconds: float) -> ActionResult:
        self.timeline.settle()
        params = response.params
        global_cluster = response.global_backend.global_clusters.get(params["GlobalClusterIdentifier"])
        if global_cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"{params['GlobalClusterIdentifier']} not found")
        target_ref = params["TargetDbClusterIdentifier"]
        target = next(
            (m for m in global_cluster.members if target_ref in (m.db_cluster_arn, m.db_cluster_identifier)), None
        )
        if target is None:
            raise RDSClientError("DBClusterNotFoundFault", f"{target_ref} is not a member of the global cluster")
        if global_cluster.status != "available":
            raise RDSClientError(
                "InvalidGlobalClusterStateFault", f"global cluster is {global_cluster.status}, not available"
            )
        source = next(m for m in global_cluster.members if m.is_writer)
        if target is source:
            raise RDSClientError("InvalidParameterValue", f"{target_ref} is already the writer")
        global_cluster.status = kind
        global_cluster.failover_state = {  # type: ignore[attr-defined]
            "Status": kind,
            "FromDbClusterArn": source.db_cluster_arn,
            "ToDbClusterArn": target.db_cluster_arn,
            "IsDataLossAllowed": kind == "failing-over",
        }

        def complete() -> None:
            source.is_writer = False
            target.is_writer = True
            global_cluster.status = "available"
            global_cluster.failover_state = None  # type: ignore[attr-defined]

        self.timeline.after(seconds, complete)
        return ActionResult({"GlobalCluster": global_cluster})


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


class AlarmStateClock:
    """An alarm's ``StateUpdatedTimestamp`` is when its state last changed (API_MetricAlarm); moto stamps it with
    wall time, the local cloud with the modelled clock, so "held for N seconds" means modelled seconds. Setting an
    alarm to the state it is already in changes nothing, as in CloudWatch (only transitions are recorded).
    """

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    def install(self, stack: ExitStack) -> None:
        clock = self.timeline.clock
        original = FakeAlarm.update_state

        def update_state(alarm: FakeAlarm, reason: str, reason_data: str, state_value: str) -> None:
            if alarm.state_value == state_value:
                return
            original(alarm, reason, reason_data, state_value)
            alarm.state_updated_timestamp = clock.now()

        stack.enter_context(patch.object(FakeAlarm, "update_state", update_state))


class StartExecutionIntegration:
    """The ``arn:aws:states:::states:startExecution`` integration takes ``StateMachineArn``, ``Name`` and ``Input``
    (connect-stepfunctions docs); moto 5.2.5 hands those names to boto3 unchanged, whose StartExecution members are
    ``stateMachineArn``, ``name`` and ``input``, and fails. Here the names are mapped before the call.
    """

    _MEMBERS: ClassVar[dict[str, str]] = {"StateMachineArn": "stateMachineArn", "Name": "name", "Input": "input"}

    def install(self, stack: ExitStack) -> None:
        members = self._MEMBERS
        original = StateTaskServiceSfn._eval_service_task

        def eval_service_task(task: StateTaskServiceSfn, **kwargs: Any) -> Any:
            if task._get_boto_service_action() == "start_execution":
                parameters = kwargs["normalised_parameters"]
                kwargs["normalised_parameters"] = {members.get(k, k): v for k, v in parameters.items()}
            return original(task, **kwargs)

        stack.enter_context(patch.object(StateTaskServiceSfn, "_eval_service_task", eval_service_task))


class Route53Propagation:
    """``ChangeResourceRecordSets`` answers ``PENDING`` with a fresh change id; ``GetChange`` says ``INSYNC`` once
    the change has propagated to every Route 53 name server (API_ChangeResourceRecordSets, API_GetChange).

    ``history`` keeps each change with the modelled time it was submitted and became INSYNC, so drills can tell
    which region DNS sent traffic to at any moment; with ``observe`` set, each entry also keeps what it returned at
    the moment the change was submitted (``world``: the local cloud's ground truth, for invariants).
    """

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.insync: dict[str, bool] = {}
        self.history: list[dict[str, Any]] = []
        self.observe: Callable[[], dict[str, Any]] | None = None
        self._ids = itertools.count(1)

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_change = Route53.change_resource_record_sets

        def change(response: Route53) -> ActionResult:
            result = original_change(response)
            change_id = f"/change/C{next(extension._ids):012d}EVAC"
            extension.insync[change_id] = False
            entry = {
                "id": change_id,
                "changes": response._get_param("ChangeBatch.Changes"),
                "submitted": extension.timeline.clock.elapsed(),
                "submitted_at": extension.timeline.clock.now(),
                "insync": None,
                "world": extension.observe() if extension.observe else None,
            }
            extension.history.append(entry)

            def propagated() -> None:
                extension.insync[change_id] = True
                entry["insync"] = extension.timeline.moment()

            extension.timeline.after(extension.latencies.dns_propagation, propagated)
            result.result["ChangeInfo"].update(  # type: ignore[index]
                Id=change_id, Status="PENDING", SubmittedAt=entry["submitted_at"]
            )
            return result

        def get_change(response: Route53) -> ActionResult:
            extension.timeline.settle()
            change_id = response._get_param("Id")
            change_id = change_id if change_id.startswith("/change/") else f"/change/{change_id}"
            entry = next((e for e in extension.history if e["id"] == change_id), None)
            if entry is None:
                raise Route53ClientError(
                    "NoSuchChange", f"A change with the specified change ID does not exist: {change_id}"
                )
            status = "INSYNC" if extension.insync[change_id] else "PENDING"
            return ActionResult(
                {"ChangeInfo": {"Id": change_id, "Status": status, "SubmittedAt": entry["submitted_at"]}}
            )

        stack.enter_context(patch.object(Route53, "change_resource_record_sets", change))
        stack.enter_context(patch.object(Route53, "get_change", get_change))


def quota_code(name: str) -> str:
    """A stable local quota code (``L-`` and 8 hex digits, as AWS's look); AWS's own codes are not modelled."""
    return "L-" + hashlib.sha256(name.encode()).hexdigest()[:8].upper()


@dataclass
class SageMakerQuotas:
    """Service Quotas for SageMaker's per-type endpoint quotas, named "<instance type> for endpoint usage".

    ``ListServiceQuotas`` returns the applied values (``applied[(region, instance_type)]``) and only those: "If the
    applied quota value is not available for a quota, the quota is not retrieved" (API_ListServiceQuotas).
    ``ListAWSDefaultServiceQuotas`` returns the defaults (``defaults[instance_type]``), and ``GetServiceQuota`` the
    applied value, else the default, by quota code. Other services keep moto's answers.
    """

    applied: dict[tuple[str, str], float] = field(default_factory=dict)
    defaults: dict[str, float] = field(default_factory=dict)

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_defaults = ServiceQuotasResponse.list_aws_default_service_quotas
        original_get = ServiceQuotasResponse.get_service_quota

        def list_applied(response: ServiceQuotasResponse) -> str:
            params = json.loads(response.body)
            if params.get("ServiceCode") != "sagemaker":
                return json.dumps({"Quotas": []})
            found = [
                extension.quota(response.region, t, v)
                for (region, t), v in extension.applied.items()
                if region == response.region
            ]
            return json.dumps({"Quotas": found})

        def list_defaults(response: ServiceQuotasResponse) -> str:
            if json.loads(response.body).get("ServiceCode") != "sagemaker":
                return str(original_defaults(response))
            return json.dumps(
                {"Quotas": [extension.quota(response.region, t, v) for t, v in extension.defaults.items()]}
            )

        def get(response: ServiceQuotasResponse) -> str:
            params = json.loads(response.body)
            if params.get("ServiceCode") != "sagemaker":
                return str(original_get(response))
            for instance_type in {t for _, t in extension.applied} | set(extension.defaults):
                if quota_code(QUOTA_NAME.format(instance_type)) == params.get("QuotaCode"):
                    value = extension.applied.get(
                        (response.region, instance_type), extension.defaults.get(instance_type)
                    )
                    if value is not None:
                        return json.dumps({"Quota": extension.quota(response.region, instance_type, value)})
            return str(original_get(response))  # moto's NoSuchResourceException

        stack.enter_context(patch.object(ServiceQuotasResponse, "list_service_quotas", list_applied, create=True))
        stack.enter_context(patch.object(ServiceQuotasResponse, "list_aws_default_service_quotas", list_defaults))
        stack.enter_context(patch.object(ServiceQuotasResponse, "get_service_quota", get))

    @staticmethod
    def quota(region: str, instance_type: str, value: float) -> dict[str, Any]:
        name = QUOTA_NAME.format(instance_type)
        return {
            "ServiceCode": "sagemaker",
            "ServiceName": "Amazon SageMaker",
            "QuotaArn": f"arn:aws:servicequotas:{region}::sagemaker/{quota_code(name)}",
            "QuotaCode": quota_code(name),
            "QuotaName": name,
            "Value": float(value),
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
        }


class DynamoDBGlobalTables:
    """Global tables, version 2019.11.21: a table with replicas in other regions, all kept by ``UpdateTable``.

    ``UpdateTable`` with ``ReplicaUpdates`` ``Create`` adds a replica in another region: a table of the same name and
    key schema appears there, ``CREATING`` until the replica is built, then ``ACTIVE``; ``Delete`` removes it
    (API_UpdateTable, API_ReplicationGroupUpdate). ``DescribeTable`` lists the other regions' replicas with their
    ``ReplicaStatus`` (API_TableDescription, API_ReplicaDescription). Creating a replica in the table's own region or
    one it already has is a ``ValidationException``.
    """

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.groups: dict[tuple[str, str], dict[str, str]] = {}  # (account, table) -> region -> ReplicaStatus

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_update = DynamoHandler.update_table
        original_describe = DynamoHandler.describe_table

        def update_table(response: DynamoHandler) -> Any:
            extension.timeline.settle()
            for change in response.body.get("ReplicaUpdates") or []:
                if "Create" in change:
                    extension._create(response, change["Create"]["RegionName"])
                elif "Delete" in change:
                    extension._delete(response, change["Delete"]["RegionName"])
            return extension._described(response, original_update(response))

        def describe_table(response: DynamoHandler) -> Any:
            extension.timeline.settle()
            return extension._described(response, original_describe(response))

        stack.enter_context(patch.object(DynamoHandler, "update_table", update_table))
        stack.enter_context(patch.object(DynamoHandler, "describe_table", describe_table))

    def _create(self, response: DynamoHandler, region: str) -> None:
        account, here, name = response.current_account, response.region, response.body["TableName"]
        table = dynamodb_backends[account][here].get_table(name)
        group = self.groups.setdefault((account, name), {here: "ACTIVE"})
        if region == here or region in group:
            raise MockValidationException(
                f"Failed to create a the new replica of table with name: '{name}' "
                f"because one or more replicas already existed as tables."
            )
        billing = table.billing_mode or "PROVISIONED"
        dynamodb_backends[account][region].create_table(
            name,
            schema=table.schema,
            throughput=table.throughput if billing == "PROVISIONED" else None,
            attr=table.attr,
            global_indexes=None,
            indexes=None,
            streams=table.stream_specification,
            billing_mode=billing,
            sse_specification=None,
            tags=[],
            deletion_protection_enabled=None,
            warm_throughput=None,
        )
        group[region] = "CREATING"

        def built() -> None:
            if group.get(region) == "CREATING":
                group[region] = "ACTIVE"

        self.timeline.after(self.latencies.dynamodb_replica, built)

    def _delete(self, response: DynamoHandler, region: str) -> None:
        group = self.groups.get((response.current_account, response.body["TableName"]), {})
        if region not in group or region == response.region:
            raise MockValidationException(f"{response.body['TableName']} has no replica in {region} to delete")
        del group[region]
        dynamodb_backends[response.current_account][region].delete_table(response.body["TableName"])

    def _described(self, response: DynamoHandler, result: Any) -> Any:
        group = self.groups.get((response.current_account, response.body["TableName"]))
        for key in ("Table", "TableDescription"):
            if group and isinstance(result, ActionResult) and key in result.result:  # type: ignore[operator]
                described = result.result[key]  # type: ignore[index]
                described["TableStatus"] = group.get(response.region, described.get("TableStatus"))
                described["Replicas"] = [
                    {"RegionName": r, "ReplicaStatus": s} for r, s in sorted(group.items()) if r != response.region
                ]
        return result
class StepFunctionsTaskErrors:
    """The error names Step Functions gives a Task that failed for a reason outside the task's own code.

    Lambda tasks: "Lambda errors are reported as Lambda.<exception>" - ``Lambda.TooManyRequestsException`` when
    Lambda throttles, ``Lambda.ServiceException`` on its 500s, ``Lambda.SdkClientException`` when the service could
    not be reached, and "unhandled errors ... including function timeouts" as ``Lambda.Unknown``
    (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). Optimized integrations
    name errors after the AWS SDK's exception class: ``DynamoDB.ConditionalCheckFailedException``,
    ``DynamoDB.InternalServerErrorException`` (DynamoDB's 500 code is ``InternalServerError``), ``SNS.<code>Exception``,
    and a client-side failure (timeout, no connection) the service's generic exception
    (``DynamoDB.AmazonDynamoDBException``, ``SNS.AmazonSNSException``)
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    """

    def install(self, stack: ExitStack) -> None:
        lambda_original = StateTaskLambda._from_error
        dynamodb_original = StateTaskServiceDynamoDB._from_error
        sns_original = StateTaskServiceSns._from_error

        def lambda_from_error(task: StateTaskLambda, env: Any, ex: Exception) -> FailureEvent:
            if isinstance(ex, ClientError):
                name, cause = f"Lambda.{ex.response['Error']['Code']}", str(ex.response["Error"].get("Message", ""))
            elif isinstance(ex, HTTPClientError | BotoConnectionError):
                name, cause = "Lambda.SdkClientException", str(ex)
            elif isinstance(ex, lambda_eval_utils.LambdaFunctionErrorException) and "errorType" not in ex.payload:
                name, cause = "Lambda.Unknown", ex.payload
            else:
                return lambda_original(task, env, ex)
            details = LambdaFunctionFailedEventDetails(error=name, cause=cause)
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(name),
                event_type=HistoryEventType.LambdaFunctionFailed,
                event_details=cast("EventDetails", {"lambdaFunctionFailedEventDetails": details}),
            )

        def dynamodb_from_error(task: StateTaskServiceDynamoDB, env: Any, ex: Exception) -> FailureEvent:
            if isinstance(ex, ClientError) and ex.response["Error"]["Code"] == "InternalServerError":
                return _task_failed(task, env, "DynamoDB.InternalServerErrorException", str(ex))
            return dynamodb_original(task, env, ex)

        def sns_from_error(task: StateTaskServiceSns, env: Any, ex: Exception) -> FailureEvent:
            if isinstance(ex, HTTPClientError | BotoConnectionError):
                return _task_failed(task, env, "SNS.AmazonSNSException", str(ex))
            return sns_original(task, env, ex)

        stack.enter_context(patch.object(StateTaskLambda, "_from_error", lambda_from_error))
        stack.enter_context(patch.object(StateTaskServiceDynamoDB, "_from_error", dynamodb_from_error))
        stack.enter_context(patch.object(StateTaskServiceSns, "_from_error", sns_from_error))


def _task_failed(task: Any, env: Any, name: str, cause: str) -> FailureEvent:
    details = TaskFailedEventDetails(
        error=name, cause=cause, resource=task._get_sfn_resource(), resourceType=task._get_sfn_resource_type()
    )
    return FailureEvent(
        env=env,
        error_name=CustomErrorName(name),
        event_type=HistoryEventType.TaskFailed,
        event_details=cast("EventDetails", {"taskFailedEventDetails": details}),
    )
