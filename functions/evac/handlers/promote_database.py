"""Runbook step: start the Aurora switchover (planned) or failover with AllowDataLoss (unplanned); with ``back``, put
the writer back in the source region after a planned run failed (``SwitchBack``, polled until done)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.rds import AuroraGlobal
from evac.domain.escalation import switch_back
from evac.domain.models import PromoteInput
from evac.domain.runbook import promote_database
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(PromoteInput)
def lambda_handler(event: PromoteInput) -> Poll:
    database = AuroraGlobal(event.run.target_region)
    if event.back:
        return switch_back(event.run, settings().plan, event.poll, database=database)
    return promote_database(event.run, settings().plan, database=database)
