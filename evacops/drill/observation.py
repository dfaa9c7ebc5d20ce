"""What a drill reads from the local cloud once everything has settled: the ground truth its verdicts judge.

Every read is of the local cloud's own state (LocalCloud's observing methods, moto's backends, the fidelity
histories, Step Functions' execution history), never through evac's adapters (``evac.aws.*``): a verdict must not
see the world through the code it judges. The runs table is read here from moto's DynamoDB backend (``LedgerTruth``)
until the local cloud offers that read itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from moto.dynamodb.models import dynamodb_backends

from evac.aws.dynamodb import RUN_PREFIX, lock_key
from evacops.drill.moves import moves

if TYPE_CHECKING:
    from evacops.drill.moves import Move
    from evacops.localcloud import LocalCloud


class LedgerTruth:
    """One region's runs table as moto holds it: the run records and the lock, in the runbook's item layout."""

    def __init__(self, cloud: LocalCloud, region: str) -> None:
        stack = cloud.stacks[region]
        account = stack.runbook_arn.split(":")[4]
        self._table = dynamodb_backends[account][region].get_table(stack.table)

    def _item(self, key: str) -> dict[str, Any] | None:
        return next((i for i in self._items() if i.get("pk") == key), None)

    def _items(self) -> list[dict[str, Any]]:
        return [item.to_regular_json() for item in self._table.all_items()]

    def get(self, incident_id: str) -> dict[str, Any] | None:
        """The run record of ``incident_id``, as the runbook wrote it."""
        item = self._item(RUN_PREFIX + incident_id)
        return json.loads(item["record"]) if item else None

    def runs(self) -> list[dict[str, Any]]:
        """Every run record, newest first."""
        records = [json.loads(i["record"]) for i in self._items() if str(i.get("pk", "")).startswith(RUN_PREFIX)]
        return sorted(records, key=lambda r: r["recorded_at"], reverse=True)

    def lock_holder(self, application: str) -> str | None:
        item = self._item(lock_key(application))
        return str(item["incident_id"]) if item else None


@dataclass(frozen=True)
class Observation:
    """The end state of a drill: its runbooks, the last one's record, and the world as the local cloud holds it."""

    runbooks: list[dict[str, Any]]  # every runbook execution of both regions, oldest first
    described: dict[str, Any]  # the last runbook's DescribeExecution ({} if none ran)
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

    @property
    def last(self) -> dict[str, Any] | None:
        return self.runbooks[-1] if self.runbooks else None


def observe(cloud: LocalCloud, target: str) -> Observation:
    """Read the drill's end state; ``target`` is where the scenario meant to go."""
    regions = cloud.plan.regions.both
    runbooks = sorted((e for region in regions for e in cloud.executions(region)), key=lambda e: e["startDate"])
    last = runbooks[-1] if runbooks else None
    ran_in = last["executionArn"].split(":")[3] if last else target
    ledger = LedgerTruth(cloud, ran_in)
    return Observation(
        runbooks=runbooks,
        described=describe(last["executionArn"]) if last else {},
        ran_in=ran_in,
        record=ledger.get(last["name"]) if last else None,
        records=[r for region in regions for r in LedgerTruth(cloud, region).runs()],
        lock=ledger.lock_holder(cloud.plan.application),
        notifications=[m for region in regions for m in cloud.notifications(region)],
        endpoints=cloud.endpoints(),
        writer_region=cloud.writer_region(),
        dns_region=cloud.dns_region(),
        moves=moves(cloud),
        state_transitions=state_transitions(cloud),
        lambda_invocations=len(cloud.runtime.invocations),
    )


def describe(execution_arn: str) -> dict[str, Any]:
    """Step Functions' own description of an execution (its status, error and cause)."""
    return dict(
        boto3.client("stepfunctions", execution_arn.split(":")[3]).describe_execution(executionArn=execution_arn)
    )


def state_transitions(cloud: LocalCloud) -> int:
    """What Step Functions bills for: every state entered, in every execution of every state machine (the confirmation
    watches and the runbooks, Map iterations included), in both regions."""
    count = 0
    for region, deployed in cloud.stacks.items():
        sfn = boto3.client("stepfunctions", region)
        for machine in deployed.state_machine_arns:
            for execution in cloud.executions(region, machine):
                events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
                count += sum(1 for e in events if e["type"].endswith("StateEntered"))
    return count
