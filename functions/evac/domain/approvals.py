"""Approvals: a run that waits for a person, and the one answer that lets it go on or stops it.

The lifecycle, over two ports (the ledger's ``Approvals`` and Step Functions' ``TaskCallbacks``):

1. ``request``: the runbook's approval step (``.waitForTaskToken``) keeps the pending approval and its task token in
   the ledger, and tells people what will happen and how to answer.
2. ``answer``: one path for everyone (`evac approve` / `evac reject`, the approval function, drills approving on a
   person's behalf). It refuses, with a message that says why, a run that is unknown, not waiting, already answered,
   or whose approval window closed; it claims the answer in the ledger before it sends the token.
3. ``close_unanswered``: a run that stopped (aborted or failed) can no longer be approved.

Example::

    answer("inc-1", "approve", by="ana", comment="", ledger=Ledger(table, region), tokens=TaskTokens(region))
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from evac import clock
from evac.domain.models import ApprovalDecision
from evac.domain.ports import TaskClosedError
from evac.errors import EvacError

if TYPE_CHECKING:
    from evac.domain.models import ApprovalRequest
    from evac.domain.ports import Approvals, Notifications, TaskCallbacks
    from evac.domain.run_record import RunRecord

Answer = Literal["approve", "reject"]
# What the runbook's Catch sees when a person says no (an aborting error: see ``evac.domain.ledger``).
REJECTED = "ApprovalRejectedError"


class ApprovalError(EvacError):
    """The run cannot be answered: the message says why. Nothing was changed."""


def request(event: ApprovalRequest, *, ledger: Approvals, notifier: Notifications, region: str) -> str:
    """Keep ``event``'s task token where an approver can answer it and tell people; returns the message sent."""
    run = event.run
    ledger.request_approval(run.incident_id, event.token, clock.now(), _headline(event))
    message = _message(event, region)
    notifier.publish(f"evac: approve {run.strategy} to {run.target_region}?", message)
    return message


def answer(
    incident_id: str, decision: Answer, *, by: str, comment: str, ledger: Approvals, tokens: TaskCallbacks
) -> ApprovalDecision | None:
    """Send ``decision`` for the run waiting on ``incident_id``; returns the approval (None for a rejection)."""
    if decision == "reject" and not comment.strip():
        raise ApprovalError("a rejection needs a reason (--reason)")
    pending = _pending(incident_id, ledger)
    now = clock.now()
    approval = ApprovalDecision(
        approver=by, requested_at=datetime.fromisoformat(pending["requested_at"]), decided_at=now, comment=comment
    )
    # Claim the answer first: once the token is sent the runbook may record (and close) the approval itself.
    status = "approved" if decision == "approve" else "rejected"
    if not ledger.close_approval(incident_id, status, by, now, comment):
        raise ApprovalError(f"run {incident_id} was answered by someone else at the same moment")
    try:
        if decision == "approve":
            tokens.succeed(pending["token"], approval.model_dump(mode="json"))
        else:
            tokens.fail(pending["token"], REJECTED, f"rejected by {by}: {comment}")
    except TaskClosedError:
        raise ApprovalError(
            f"run {incident_id} no longer waits: its approval window closed and it was aborted"
        ) from None
    return approval if decision == "approve" else None


def close_unanswered(record: RunRecord, *, ledger: Approvals) -> None:
    """A run that stopped waiting (aborted or failed) can no longer be approved: close its pending approval, if any."""
    if record.outcome in ("ABORTED", "FAILED"):
        ledger.close_approval(record.incident_id, "closed", "evac", record.recorded_at, record.error or "")


def _pending(incident_id: str, ledger: Approvals) -> dict[str, str]:
    """The approval ``incident_id`` waits on; ``ApprovalError`` saying why if there is none to answer."""
    pending = ledger.approval(incident_id)
    if pending is None:
        known = ledger.get(incident_id) is not None
        raise ApprovalError(
            f"run {incident_id} did not ask for approval" if known else f"no run {incident_id!r} is known here"
        )
    if pending["status"] == "closed":
        stopped = pending.get("comment") or "it stopped"
        raise ApprovalError(f"run {incident_id} no longer waits ({stopped}); it was recorded and changed nothing")
    if pending["status"] != "pending":
        raise ApprovalError(
            f"run {incident_id} was already {pending['status']} by {pending.get('decided_by', '?')} "
            f"at {pending.get('decided_at', '?')}"
        )
    return pending


def _headline(event: ApprovalRequest) -> str:
    run = event.run
    return f"{run.strategy} {run.source_region} -> {run.target_region} ({run.mode})"


def _message(event: ApprovalRequest, region: str) -> str:
    run = event.run
    rpo = "unknown" if run.rpo_seconds is None else f"{run.rpo_seconds:.1f} s"
    checks = "\n".join(f"  {'ok ' if c.ok else 'NO '} {c.name}: {c.detail}" for c in event.preflight.checks)
    example = json.dumps({"run": run.incident_id, "decision": "approve", "approver": "you@example.com"})
    return (
        f"evac run {run.incident_id} waits for approval before changing anything.\n\n"
        f"What will happen: {_headline(event)}\n"
        f"Why: {run.reason or 'requested'}\n"
        f"{_not_ready(event)}"
        f"Predicted RTO: {run.predicted_rto_seconds or 0:.0f} s\n"
        f"RPO estimate: {rpo}{' (over the plan budget)' if run.rpo_over_budget else ''}\n"
        f"Preflight:\n{checks}\n"
        f"{_findings(event, region)}\n"
        f"Approve:  evac approve {run.incident_id} --stack-name <stack> --region {region}\n"
        f"Reject:   evac reject {run.incident_id} --reason '...' --stack-name <stack> --region {region}\n"
        f"Console:  invoke the stack's ApprovalFunction with {example}\n"
        "Nobody answering within the plan's approval window aborts the run; nothing will have changed."
    )


def _not_ready(event: ApprovalRequest) -> str:
    """Why a person is asked, when the target failed a critical readiness check: approving fails over anyway."""
    if not event.preflight.not_ready:
        return ""
    return (
        "ASKED BECAUSE THE TARGET IS NOT READY (readiness.on_critical: approve): approving fails over anyway; "
        "rejecting, or not answering, aborts the run with SecondaryNotReadyError.\n"
    )


def _findings(event: ApprovalRequest, region: str) -> str:
    """The readiness checks that did not pass, critical first (as many as the run carries): what was read and what
    to do about it."""
    report = event.preflight.readiness
    if report is None:
        return ""
    if not report.findings:
        return f"Readiness: every check passed ({report.checks} checks)\n"
    lines = [f"Readiness findings ({len(report.findings) + report.more} of {report.checks} checks):"]
    for check in report.findings:
        where = f" {check.resource}" if check.resource else ""
        lines.append(f"  {check.severity.upper()} {check.name}{where}: {check.status}")
        lines.append(f"    evidence: {check.evidence}")
        if check.remediation:
            lines.append(f"    remediation: {check.remediation}")
    if report.more:
        lines.append(
            f"  ... and {report.more} more: evac readiness --stack-name <stack> --region {region}"
            f" --target-region {event.run.target_region} lists every check"
        )
    return "\n".join(lines) + "\n"
