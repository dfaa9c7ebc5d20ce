"""DynamoDB global tables (version 2019.11.21): every replica takes writes, so nothing is promoted; the run verifies
that the target's replica is ACTIVE (writable) and a replica of the source's table
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.kinds.step import Context, Look
from evac.errors import ResourceNotFoundError, ResourceRecoveryError

if TYPE_CHECKING:
    from evac.domain.plan_resources import DynamoDbGlobalTable

# A replica on its way to ACTIVE (API_TableDescription); any other status that is not ACTIVE cannot take writes.
_BECOMING = frozenset({"CREATING", "UPDATING"})


def start(context: Context, table: DynamoDbGlobalTable) -> Look:
    return check(context, table)


def check(context: Context, table: DynamoDbGlobalTable) -> Look:
    run = context.run
    try:
        state = context.target.tables.replicas(table.table)
    except ResourceNotFoundError as exc:
        raise ResourceRecoveryError(str(exc)) from exc
    if run.source_region not in state.replicas:
        raise ResourceRecoveryError(
            f"table {table.table} in {run.target_region} is not a replica of {run.source_region}'s: not a global table"
        )
    if state.status != "ACTIVE" and state.status not in _BECOMING:
        raise ResourceRecoveryError(f"table {table.table} is {state.status} in {run.target_region}")
    return Look(done=state.status == "ACTIVE", detail={"status": state.status})
