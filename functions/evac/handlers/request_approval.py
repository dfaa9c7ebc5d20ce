"""Runbook step (``.waitForTaskToken``): keep the task token where an approver can answer it, and tell people what
will happen and how to approve or reject. The runbook waits until someone answers or the plan's window closes."""

from __future__ import annotations

from evac.aws.dynamodb import Ledger
from evac.aws.sns import Notifier
from evac.domain.approvals import request
from evac.domain.models import ApprovalRequest, Contract
from evac.handlers._step import step
from evac.settings import settings


class ApprovalRequested(Contract):
    incident_id: str
    message: str


@step(ApprovalRequest)
def lambda_handler(event: ApprovalRequest) -> ApprovalRequested:
    config = settings()
    ledger, notifier = Ledger(config.table, config.region), Notifier(config.topic_arn)
    message = request(event, ledger=ledger, notifier=notifier, region=config.region)
    return ApprovalRequested(incident_id=event.run.incident_id, message=message)
