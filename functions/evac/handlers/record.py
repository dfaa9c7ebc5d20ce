"""Runbook step: write the run record (input, decisions, phases, RTO, RPO, outcome, approver) to the ledger and
publish its metrics (EMF): runs by outcome, RTO, RPO estimate and each phase's duration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from evac.aws.dynamodb import Ledger
from evac.domain.approvals import close_unanswered
from evac.domain.ledger import build_record
from evac.domain.models import RecordInput
from evac.handlers._step import metrics, step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.run_record import RunRecord

RUNS_BY_OUTCOME = {
    "SUCCEEDED": "RunsSucceeded",
    "FAILED": "RunsFailed",
    "ABORTED": "RunsAborted",
    "DRY_RUN": "RunsDryRun",
}


@step(RecordInput)
def lambda_handler(event: RecordInput) -> RunRecord:
    return write_record(event)


def write_record(event: RecordInput) -> RunRecord:
    """Write the run record to this region's ledger and publish its metrics (the runbook's step and ARC's custom
    action)."""
    config = settings()
    record = build_record(event, plan=config.plan)
    ledger = Ledger(config.table, config.region)
    ledger.put(record)
    close_unanswered(record, ledger=ledger)
    metrics.add_dimension(name="application", value=record.application)
    metrics.add_metric(name=RUNS_BY_OUTCOME[record.outcome], unit=MetricUnit.Count, value=1)
    if record.rto_seconds is not None:
        metrics.add_metric(name="RTO", unit=MetricUnit.Seconds, value=record.rto_seconds)
    if record.full_capacity_seconds is not None:
        metrics.add_metric(name="FullCapacity", unit=MetricUnit.Seconds, value=record.full_capacity_seconds)
    if record.rpo_seconds is not None:
        metrics.add_metric(name="RPOEstimate", unit=MetricUnit.Seconds, value=record.rpo_seconds)
    for phase in record.phases:
        metrics.add_metric(name=f"Phase{phase.name.title()}Seconds", unit=MetricUnit.Seconds, value=phase.seconds)
    return record
