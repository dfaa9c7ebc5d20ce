"""evac's fidelity extensions to moto 5.2.5: the AWS behaviours a failover depends on that moto lacks or simplifies.

Each behaviour cites the AWS documentation it follows and plays its latency on the local cloud's scaled clock.
They are installed with ``unittest.mock.patch`` for the life of a ``LocalCloud`` and removed after it.

- Aurora Global Database ``FailoverGlobalCluster`` / ``SwitchoverGlobalCluster`` (moto: NotImplementedError).
- SageMaker ``UpdateEndpointWeightsAndCapacities`` goes ``Updating`` and reaches ``InService`` after the scale-up
  time (moto: InService at once); ``InvokeEndpoint`` answers only for an InService endpoint with instances.
- Route 53 changes are ``PENDING`` until propagated, then ``INSYNC`` (moto: INSYNC at once).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from unittest.mock import patch

from moto.cloudwatch.models import Alarm as FakeAlarm
from moto.core.responses import ActionResult
from moto.rds.exceptions import RDSClientError
from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse
from moto.route53.exceptions import Route53ClientError
from moto.route53.responses import Route53
from moto.sagemaker.exceptions import AWSValidationException
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline


@dataclass(frozen=True)
class Latencies:
    """Modelled seconds each dependency takes, near AWS's own published figures."""

    # "Managed failovers ... typically complete in about a minute" / switchovers wait for replication to catch up.
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
    aurora_failover: float = 60.0
    aurora_switchover: float = 90.0
    # New ML instances are provisioned, the container pulled and the model loaded: several minutes.
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html
    endpoint_scale_up: float = 360.0
    # "Changes generally propagate to all Route 53 name servers within 60 seconds."
    # https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html
    dns_propagation: float = 60.0


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
    """Endpoint capacity changes take time, and only an InService endpoint serves.

    ``UpdateEndpointWeightsAndCapacities`` is refused while the endpoint is not InService ("Cannot update in-progress
    endpoint"); it sets ``DesiredInstanceCount`` at once and ``Updating`` status, and ``CurrentInstanceCount``
    reaches the desired count when the endpoint returns to ``InService`` (API_DescribeEndpoint,
    API_ProductionVariantSummary). ``InvokeEndpoint`` on an endpoint that is missing or has no instances fails with
    ``ValidationError`` (API_runtime_InvokeEndpoint).
    """

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_update = SageMakerModelBackend.update_endpoint_weights_and_capacities
        original_describe = SageMakerResponse.describe_endpoint
        original_list = SageMakerResponse.list_endpoints
        original_invoke = SageMakerRuntimeResponse.invoke_endpoint

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
            endpoint = backend.endpoints[endpoint_name]
            endpoint.endpoint_status = "Updating"
            for variant in endpoint.production_variants:
                variant["CurrentInstanceCount"] = before.get(variant["VariantName"], 0)

            def complete() -> None:
                for variant in endpoint.production_variants:
                    variant["CurrentInstanceCount"] = variant.get("DesiredInstanceCount", 0)
                endpoint.endpoint_status = "InService"

            extension.timeline.after(extension.latencies.endpoint_scale_up, complete)
            return str(arn)

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
            if endpoint is None or not serving or endpoint.endpoint_status not in ("InService", "Updating"):
                body = {
                    "__type": "ValidationError",
                    "message": f"Endpoint {name} of account {response.current_account} not found or not serving.",
                }
                # moto takes the HTTP status from the headers' "status", not from the tuple's first item.
                return 400, {"status": 400, "x-amzn-errortype": "ValidationError"}, json.dumps(body)
            return original_invoke(response)

        stack.enter_context(patch.object(SageMakerModelBackend, "update_endpoint_weights_and_capacities", update))
        stack.enter_context(patch.object(SageMakerResponse, "describe_endpoint", describe))
        stack.enter_context(patch.object(SageMakerResponse, "list_endpoints", list_endpoints))
        stack.enter_context(patch.object(SageMakerRuntimeResponse, "invoke_endpoint", invoke))


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
    which region DNS sent traffic to at any moment.
    """

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.insync: dict[str, bool] = {}
        self.history: list[dict[str, Any]] = []
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
            }
            extension.history.append(entry)

            def propagated() -> None:
                extension.insync[change_id] = True
                entry["insync"] = extension.timeline.clock.elapsed()

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
