"""Runbook step: start the Aurora switchover (planned) or failover with AllowDataLoss (unplanned)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.rds import AuroraGlobal
from evac.domain.models import StepInput
from evac.domain.runbook import promote_database
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(StepInput)
def lambda_handler(event: StepInput) -> Poll:
    return promote_database(event.run, settings().plan, database=AuroraGlobal(event.run.target_region))
