"""Runbook step 1: decide the run (where from, where to, switchover or failover, RPO estimate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws import rds
from evac.aws.cloudwatch import AuroraLag
from evac.domain.models import RunbookInput
from evac.domain.runbook import plan_run
from evac.handlers._step import logger, step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Run


@step(RunbookInput)
def lambda_handler(request: RunbookInput) -> Run:
    config = settings()
    plan = config.plan
    run = plan_run(
        request,
        plan,
        database=rds.AuroraGlobal(config.region),
        lag=AuroraLag(config.region),
        primary_answers=lambda region: rds.answers(region, plan.database.clusters[region]),
    )
    logger.info("run planned", extra={"strategy": run.strategy, "target": run.target_region, "rpo": run.rpo_seconds})
    return run
