"""Runbook step (``.waitForTaskToken``): keep the task token where an approver can answer it, and tell people what
will happen and how to approve or reject. The runbook waits until someone answers or the plan's window closes."""

from __future__ import annotations

import json

from evac import clock
from evac.aws.dynamodb import Ledger
from evac.aws.sns import Notifier
from evac.domain.models import ApprovalRequest, Contract
from evac.handlers._step import step
from evac.settings import settings


class ApprovalRequested(Contract):
    incident_id: str
    message: str


@step(ApprovalRequest)
def lambda_handler(event: ApprovalRequest) -> ApprovalRequested:
    config = settings()
    run = event.run
    Ledger(config.table, config.region).request_approval(run.incident_id, event.token, clock.now(), _headline(event))
    message = _message(event, config.region)
    Notifier(config.topic_arn).publish(f"evac: approve {run.strategy} to {run.target_region}?", message)
    return ApprovalRequested(incident_id=run.incident_id, message=message)


def _headline(event: ApprovalRequest) -> str:
    run = event.run
    return f"{run.strategy} {run.source_region} -> {run.target_region} ({run.mode})"


def _message(event: ApprovalRequest, region: str) -> str:
    run = event.run
    rpo = "unknown" if run.rpo_seconds is None else f"{run.rpo_seconds:.1f} s"
    checks = "\n".join(f"  {'ok ' if c.ok else 'NO '} {c.name}: {c.detail}" for c in event.preflight.checks)
    answer = json.dumps({"run": run.incident_id, "decision": "approve", "approver": "you@example.com"})
    return (
        f"evac run {run.incident_id} waits for approval before changing anything.\n\n"
        f"What will happen: {_headline(event)}\n"
        f"Why: {run.reason or 'requested'}\n"
        f"Predicted RTO: {run.predicted_rto_seconds or 0:.0f} s\n"
        f"RPO estimate: {rpo}{' (over the plan budget)' if run.rpo_over_budget else ''}\n"
        f"Preflight:\n{checks}\n\n"
        f"Approve:  evac approve {run.incident_id} --stack-name <stack> --region {region}\n"
        f"Reject:   evac reject {run.incident_id} --reason '...' --stack-name <stack> --region {region}\n"
        f"Console:  invoke the stack's ApprovalFunction with {answer}\n"
        "Nobody answering within the plan's approval window aborts the run; nothing will have changed."
    )
