"""Runbook step 1: decide the run (where from, where to, switchover or failover, RPO estimate)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import Field, model_validator

from evac.aws import rds
from evac.aws.cloudwatch import AuroraLag
from evac.aws.dynamodb import Ledger
from evac.domain.models import Contract, RunbookInput
from evac.domain.runbook import plan_run
from evac.handlers._step import logger, metrics, step, warm
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Run


# Of the runbook's retries of this step (state_machines/failover.asl.json, Plan: MaxAttempts 4), the ones a metric
# blip may use; from then on the run goes on without the lag (RPO unknown) rather than fail over a metric.
LAG_RETRIES = 2


class PlanInput(Contract):
    """The runbook input, and which of the runbook's retries of this step this is ($$.State.RetryCount)."""

    request: RunbookInput
    attempt: int = Field(default=0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _bare_request(cls, data: Any) -> Any:
        """A drill input on its own (``sam remote invoke PlanFunction --event-file events/drill-planned.json``)."""
        return data if isinstance(data, dict) and "request" in data else {"request": data}


@step(PlanInput)
def lambda_handler(event: PlanInput) -> Run:
    config = settings()
    plan, request = config.plan, event.request
    if event.attempt == 0:
        # The first step of every runbook execution, run once per execution that really started: a watch's
        # StartExecution that Step Functions answered idempotently (same name and input) never gets here.
        metrics.add_dimension(name="application", value=plan.application)
        metrics.add_metric(name="RunbooksStarted", unit=MetricUnit.Count, value=1)
        warm(config)  # the next steps' environments start while this one plans
    run = plan_run(
        request,
        plan,
        database=rds.AuroraGlobal(config.region),
        lag=AuroraLag(config.region),
        probe=lambda region: rds.probe(region, plan.database.clusters[region]),
        ledger=Ledger(config.table, config.region),
        final_attempt=event.attempt >= LAG_RETRIES,
    )
    logger.info(
        "run planned",
        extra={"strategy": run.strategy, "target": run.target_region, "rpo": run.rpo_seconds, "resumed": run.resumed},
    )
    for warning in run.warnings:
        logger.warning(warning)
    return run
