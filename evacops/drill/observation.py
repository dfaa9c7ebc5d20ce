"""What a drill reads from the local cloud once everything has settled: the ground truth its verdicts judge.

Every read is of the local cloud's own state (LocalCloud's observing methods, moto's backends, the fidelity
histories, Step Functions' execution history), never through evac's adapters (``evac.aws.*``): a verdict must not
see the world through the code it judges. The runs table is read from moto's DynamoDB backend (``cloud.truth``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from evacops.drill.moves import moves

if TYPE_CHECKING:
    from evacops.drill.moves import Move
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.fidelity.aurora_writes import RpoTruth


@dataclass(frozen=True)
class Observation:
    """The end state of a drill: its runbooks, the last one's record, and the world as the local cloud holds it."""

    runbooks: list[dict[str, Any]]  # every runbook execution of both regions, oldest first
    described: dict[str, Any]  # the last runbook's DescribeExecution, else ARC Region switch's last execution, or {}
    ran_in: str  # the region whose runbook ran last (the target if none ran)
    record: dict[str, Any] | None  # the last runbook's run record
    records: list[dict[str, Any]]  # every run record of both regions
    lock: str | None  # who holds the lock in the region that ran last
    notifications: list[str]
    endpoints: list[dict[str, Any]]
    writer_region: str | None
    dns_region: str | None
    moves: list[Move]
    state_transitions: int
    lambda_invocations: int
    rpo: RpoTruth | None = None  # what the writer's last move lost, from the local cloud's write workload

    @property
    def last(self) -> dict[str, Any] | None:
        return self.runbooks[-1] if self.runbooks else None


def observe(cloud: LocalCloud, target: str) -> Observation:
    """Read the drill's end state; ``target`` is where the scenario meant to go."""
    regions = cloud.plan.regions.both
    runbooks = sorted((e for region in regions for e in cloud.executions(region)), key=lambda e: e["startDate"])
    last = runbooks[-1] if runbooks else None
    truth = cloud.truth
    arc = cloud.region_switch.executions[-1] if cloud.region_switch.executions and not runbooks else None
    if arc is not None:  # no runbook ran: ARC Region switch's execution is the run (its record names its id)
        ran_in, described = arc.region, arc.described()
        record = next(
            (r for r in truth.runs(ran_in) if (r.get("request") or {}).get("ExecutionId") == arc.execution_id), None
        )
    else:
        ran_in = last["executionArn"].split(":")[3] if last else target
        described = describe(last["executionArn"]) if last else {}
        record = truth.run(ran_in, last["name"]) if last else None
    return Observation(
        runbooks=runbooks,
        described=described,
        ran_in=ran_in,
        record=record,
        records=[r for region in regions for r in truth.runs(region)],
        lock=truth.lock_holder(ran_in, cloud.plan.application),
        notifications=[m for region in regions for m in cloud.notifications(region)],
        endpoints=cloud.endpoints(),
        writer_region=cloud.writer_region(),
        dns_region=cloud.dns_region(),
        moves=moves(cloud),
        state_transitions=state_transitions(cloud),
        lambda_invocations=len(cloud.runtime.invocations),
        rpo=truth.rpo(),
    )


def describe(execution_arn: str) -> dict[str, Any]:
    """Step Functions' own description of an execution (its status, error and cause)."""
    return dict(
        boto3.client("stepfunctions", execution_arn.split(":")[3]).describe_execution(executionArn=execution_arn)
    )


def state_transitions(cloud: LocalCloud) -> int:
    """What Step Functions bills for: every state entered, in every execution of every state machine (the confirmation
    watches and the runbooks, Map iterations included), in both regions."""
    return cloud.truth.state_transitions()
