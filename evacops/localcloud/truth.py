"""Ground truth: the simulated world as the local cloud holds it, read from moto's own backends and the fidelity
extensions' state, never through evac's adapters nor through an API call the fault injector could fault or record.

What a drill or an invariant asserts is then what happened in the simulated account, not what the code under test
would say about it::

    truth = cloud.truth
    assert truth.writer_regions() == ["us-west-2"]  # one writer, in the target region
    assert truth.dns_region() == "us-west-2"

Every read first applies the changes the fidelity extensions scheduled for modelled times already past
(``Timeline.settle``), as any AWS API call that could see them would.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from moto.dynamodb.models import dynamodb_backends
from moto.route53.models import route53_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sns.models import sns_backends
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from evac.aws.dynamodb import RUN_PREFIX, lock_key
from evacops.localcloud.deploy import ACCOUNT
from evacops.localcloud.fidelity import SageMakerScaling
from evacops.localcloud.fidelity.rds import find_global_cluster
from evacops.localcloud.seed_kinds import serving_share

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.deploy import Stack
    from evacops.localcloud.fidelity.aurora_writes import AuroraWrites, RpoTruth
    from evacops.localcloud.fidelity.health_checks import Route53HealthChecks

# Route 53 is one global service, moto's backend keyed by partition. (Aurora global clusters are global too: moto
# keeps them in one regional backend, found with ``find_global_cluster`` whatever the plan's regions.)
_PARTITION = "aws"
# What ListExecutions lists a stop date for (moto's answer, which these reads stand in for).
_STOPPED = ("SUCCEEDED", "FAILED", "ABORTED")


class GroundTruth:
    """One read of the world for the plan's application in the local cloud: writer, DNS, endpoints, executions,
    notifications and the runs ledger, per region."""

    def __init__(
        self,
        plan: RecoveryPlan,
        timeline: Timeline,
        stacks: dict[str, Stack],
        *,
        resolver: Route53HealthChecks | None = None,
        writes: AuroraWrites | None = None,
    ) -> None:
        self.plan = plan
        self.timeline = timeline
        self.stacks = stacks
        self.resolver = resolver
        self.writes = writes

    # --- the database ---------------------------------------------------------------------------------------------
    def writer_regions(self) -> list[str]:
        """Every region whose cluster is a writer of the global cluster (one, unless something went badly wrong)."""
        return sorted(self._writers())

    def writer_region(self) -> str | None:
        """The region of the global cluster's writer (the first one DescribeGlobalClusters would list), or None.

        Two writers are a violation ``writer_regions`` reports; this names the one a client would be sent to.
        """
        writers = self._writers()
        return writers[0] if writers else None

    def _writers(self) -> list[str]:
        self.timeline.settle()
        found = find_global_cluster(ACCOUNT, self.plan.database.global_cluster)
        return [_region_of(m.db_cluster_arn) for m in found.members if m.is_writer] if found else []

    def eventual_writer_regions(self) -> list[str]:
        """The writers once the switchover or failover in flight (``FailoverState``) completes: what a run leaves
        behind is judged by where the writer is going, not by where it still is when the run stops."""
        self.timeline.settle()
        found = find_global_cluster(ACCOUNT, self.plan.database.global_cluster)
        state = getattr(found, "failover_state", None) if found else None
        if not state or not state.get("ToDbClusterArn"):
            return self.writer_regions()
        leaving = _region_of(state["FromDbClusterArn"])
        return sorted({*(r for r in self._writers() if r != leaving), _region_of(state["ToDbClusterArn"])})

    def rpo(self) -> RpoTruth | None:
        """What the writer's last move lost, from the write workload (``fidelity.aurora_writes``): the newest write
        committed on the old writer, the newest of them the new writer holds, and their age difference (the observed
        RPO, 0 if nothing was lost). None if the writer never moved or no workload runs::

            lost = cloud.truth.rpo()
            assert lost is not None and lost.observed_seconds <= plan.rpo_budget_seconds
        """
        self.timeline.settle()
        return self.writes.rpo(self.plan.database.global_cluster) if self.writes else None

    # --- DNS ------------------------------------------------------------------------------------------------------
    def dns_weights(self) -> dict[str, int]:
        """Set identifier -> weight of the plan's weighted record (an empty dict if the zone is missing)."""
        return {str(r.set_identifier): int(r.weight or 0) for r in self._record_sets()}

    def dns_answer(self) -> list[str]:
        """The set identifiers a resolver may be answered with: weights, then health checks (evaluated as Route 53
        evaluates them: ``fidelity.health_checks``), routing controls included."""
        records = self._record_sets()
        answered = self.resolver.answer(records) if self.resolver else [r for r in records if int(r.weight or 0) > 0]
        return sorted(str(r.set_identifier) for r in answered)

    def dns_region(self) -> str | None:
        """The region a resolver is sent to, or None if answers are split between regions or there are none."""
        answered = set(self.dns_answer())
        serving = [region for region, set_id in self.plan.dns.set_identifiers.items() if set_id in answered]
        return serving[0] if len(serving) == 1 else None

    def _record_sets(self) -> list[Any]:
        self.timeline.settle()
        dns = self.plan.dns
        zone = next(
            (
                z
                for z in route53_backends[ACCOUNT][_PARTITION].zones.values()
                if _name(z.name) == _name(dns.hosted_zone)
            ),
            None,
        )
        if zone is None:
            return []
        return [
            r
            for r in zone.rrsets
            if _name(r.name) == _name(dns.record_name) and r.type == dns.record_type and r.set_identifier is not None
        ]

    # --- inference ------------------------------------------------------------------------------------------------
    def endpoints(self) -> list[dict[str, Any]]:
        """Each plan endpoint in each region: ``{region, name, status, instances, instance_type}`` (``Missing``, 0
        and None where it does not exist); ``instances`` are the plan's variant's instances in service."""
        self.timeline.settle()
        found = []
        for region in self.plan.regions.both:
            backend = sagemaker_backends[ACCOUNT][region]
            for planned in self.plan.inference.endpoints:
                endpoint = backend.endpoints.get(planned.name)
                variant = _variant(endpoint, planned.variant)
                found.append(
                    {
                        "region": region,
                        "name": planned.name,
                        "status": endpoint.endpoint_status if endpoint else "Missing",
                        "instances": int(variant.get("CurrentInstanceCount", 0)) if endpoint else 0,
                        "instance_type": (
                            SageMakerScaling.instance_type(backend, endpoint, planned.variant) if endpoint else None
                        ),
                    }
                )
        return found

    def serving(self) -> dict[str, bool]:
        """Region -> whether every plan endpoint there is InService with the plan's variant at its active capacity."""
        self.timeline.settle()
        serving = {}
        for region in self.plan.regions.both:
            deployed = sagemaker_backends[ACCOUNT][region].endpoints
            serving[region] = all(
                (endpoint := deployed.get(planned.name)) is not None
                and endpoint.endpoint_status == "InService"
                and all(
                    v.get("CurrentInstanceCount", 0) >= planned.active_instances
                    for v in endpoint.production_variants
                    if v["VariantName"] == planned.variant
                )
                for planned in self.plan.inference.endpoints
            )
        return serving

    # --- the runbook and what it leaves -----------------------------------------------------------------------------
    def executions(self, region: str, machine: str = "FailoverRunbook") -> list[dict[str, Any]]:
        """Executions of one of the region's state machines (the runbook by default), newest first, shaped as
        ListExecutions lists them."""
        arn = self.stacks[region].state_machine_arns[machine]
        listed = []
        for execution in sorted(self._executions(region, machine), key=lambda e: e.start_date, reverse=True):
            status = str(execution.status)
            entry = {
                "executionArn": execution.execution_arn,
                "name": execution.name,
                "startDate": execution.start_date,
                "stateMachineArn": arn,
                "status": status,
            }
            if status in _STOPPED:
                entry["stopDate"] = execution.stop_date
            listed.append(entry)
        return listed

    def started(self, region: str, machine: str = "FailoverRunbook") -> Callable[[], bool]:
        """Whether an execution of one of the region's state machines (the runbook by default) has started: a
        predicate the virtual clock can ask at each of its looks (``VirtualClock.wait_until``). It reads the one list
        moto keeps of the machine's executions, for the machine's life, found once now."""
        executions = self._executions(region, machine)
        return lambda: bool(executions)

    def history_events(self, region: str, machine: str = "FailoverRunbook") -> dict[str, int]:
        """Execution ARN -> how many events its history holds, for each execution of one of the region's state
        machines (the runbook by default): what Step Functions' 25,000-event limit counts
        (``fidelity.stepfunctions.HISTORY_LIMIT``)."""
        return {e.execution_arn: len(_history_types(e)) for e in self._executions(region, machine)}

    def state_payloads(self, region: str, machine: str = "FailoverRunbook") -> dict[str, int]:
        """State name -> the largest input or output (UTF-8 bytes) it was entered or left with, in any execution of
        one of the region's state machines (the runbook by default): what Step Functions' 256 KiB payload limit
        counts (``fidelity.stepfunctions.PAYLOAD_LIMIT``)."""
        largest: dict[str, int] = {}
        for execution in self._executions(region, machine):
            for event in _history(execution):
                details = event.get("stateEnteredEventDetails") or event.get("stateExitedEventDetails")
                if details:
                    size = len(str(details.get("input") or details.get("output") or "").encode())
                    largest[details["name"]] = max(size, largest.get(details["name"], 0))
        return largest

    def _executions(self, region: str, machine: str) -> list[Any]:
        """moto's own list of the executions of one of the region's state machines (one list for the machine's life,
        appended to as executions start)."""
        arn = self.stacks[region].state_machine_arns[machine]
        return stepfunctions_backend(ACCOUNT, region).describe_state_machine(arn).executions

    def state_transitions(self) -> int:
        """What Step Functions bills for: every state entered, in every execution of every state machine (the
        confirmation watches and the runbooks, Map iterations included), in every region the stack is in."""
        return sum(
            kind.endswith("StateEntered")
            for region, deployed in self.stacks.items()
            for machine in deployed.state_machine_arns
            for execution in self._executions(region, machine)
            for kind in _history_types(execution)
        )

    def notifications(self, region: str) -> list[str]:
        """Messages published to the region's notification topic, oldest first."""
        topic = sns_backends[ACCOUNT][region].topics[self.stacks[region].topic_arn]
        return [message for _, message, *_ in topic.sent_notifications]

    def items(self, region: str) -> list[dict[str, Any]]:
        """Every item of the region's runs table (locks, run records, approvals), as plain Python values."""
        table = dynamodb_backends[ACCOUNT][region].get_table(self.stacks[region].table)
        return [item.to_regular_json() for item in table.all_items()]

    def runs(self, region: str) -> list[dict[str, Any]]:
        """Every run record in the region's ledger, newest first."""
        records = [json.loads(i["record"]) for i in self.items(region) if str(i["pk"]).startswith(RUN_PREFIX)]
        return sorted(records, key=lambda r: r["recorded_at"], reverse=True)

    def run(self, region: str, incident_id: str) -> dict[str, Any] | None:
        """The run record of ``incident_id`` in the region's ledger, if any."""
        item = self._item(region, RUN_PREFIX + incident_id)
        return json.loads(item["record"]) if item else None

    def lock_holder(self, region: str, application: str) -> str | None:
        """The incident holding the application's lock in the region's ledger, if any."""
        item = self._item(region, lock_key(application))
        return str(item["incident_id"]) if item else None

    def lock_lease(self, region: str, application: str) -> str | None:
        """When the application's lock in the region's ledger expires (its ``expires_at``), if it is held with one."""
        item = self._item(region, lock_key(application))
        return str(item["expires_at"]) if item and item.get("expires_at") else None

    def _item(self, region: str, key: str) -> dict[str, Any] | None:
        return next((i for i in self.items(region) if i.get("pk") == key), None)

    # --- all at once ----------------------------------------------------------------------------------------------
    def world(self) -> dict[str, Any]:
        """``{"at": modelled seconds, "writers": [regions], "serving": {region: bool}, "resources": {region: percent}}``
        (``resources``: the least share its serving resources serve, ``seed_kinds.serving_share``): what invariants
        judge a moment by. No API call: a DNS change asks for it from inside one (``Route53Propagation.observe``)."""
        self.timeline.settle()
        return {
            "at": self.timeline.clock.elapsed(),
            "writers": self.writer_regions(),
            "serving": self.serving(),
            "resources": {region: serving_share(self.plan, region, ACCOUNT) for region in self.plan.regions.both},
        }


def _history_types(execution: Any) -> list[str]:
    """The type of each event in the execution's history, in order."""
    return [str(event["type"]) for event in _history(execution)]


def _history(execution: Any) -> list[dict[str, Any]]:
    """The execution's history events, in order: GetExecutionHistory's, whose every copy moto makes deep; here moto's
    own list, copied (not its events) under the lock the interpreter appends them with. Only to read."""
    worker = execution.exec_worker
    env = getattr(worker, "env", None) if worker else None
    if env is None:  # not started yet: no history
        return []
    with env.event_manager._mutex:
        return list(env.event_manager._history_event_list)


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def _name(dns_name: str) -> str:
    return dns_name.rstrip(".").lower()


def _variant(endpoint: Any, name: str) -> dict[str, Any]:
    variants = endpoint.production_variants if endpoint else []
    return next((v for v in variants if v["VariantName"] == name), {})
