"""Answering a run that waits for a person: approve, or reject with a reason.

One path for everyone: the `evac approve` / `evac reject` commands, the approval function (Lambda console or
`sam remote invoke`), and drills that approve on a person's behalf all call ``answer``. It refuses, with a message
that says why, a run that is unknown, not waiting, already answered, or whose approval window closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from evac import clock
from evac.aws.stepfunctions import TaskClosedError, TaskTokens
from evac.domain.models import ApprovalDecision
from evac.errors import EvacError

if TYPE_CHECKING:
    from evac.aws.dynamodb import Ledger

Answer = Literal["approve", "reject"]


class ApprovalError(EvacError):
    """The run cannot be answered: the message says why. Nothing was changed."""


def answer(
    incident_id: str, decision: Answer, *, by: str, comment: str, ledger: Ledger, region: str
) -> ApprovalDecision | None:
    """Send ``decision`` for the run waiting on ``incident_id``; returns the approval (None for a rejection)."""
    if decision == "reject" and not comment.strip():
        raise ApprovalError("a rejection needs a reason (--reason)")
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
    now = clock.now()
    tokens = TaskTokens(region)
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
            tokens.fail(pending["token"], "ApprovalRejectedError", f"rejected by {by}: {comment}")
    except TaskClosedError:
        raise ApprovalError(
            f"run {incident_id} no longer waits: its approval window closed and it was aborted"
        ) from None
    return approval if decision == "approve" else None
