"""The approval function: answer a waiting run from the Lambda console or `sam remote invoke`, IAM-authorised.

Event: ``{"run": "<incident id>", "decision": "approve" | "reject", "approver": "...", "reason": "..."}``
(see events/approve.json and events/reject.json).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evac.aws.dynamodb import Ledger
from evac.aws.stepfunctions import TaskTokens
from evac.domain.approvals import answer
from evac.domain.models import Contract, IncidentId
from evac.handlers._step import step
from evac.settings import settings


class ApprovalAnswer(Contract):
    run: IncidentId
    decision: Literal["approve", "reject"]
    approver: str = Field(min_length=1, max_length=256)
    reason: str = Field(default="", max_length=1024)


class Answered(Contract):
    run: str
    decision: str
    approver: str


@step(ApprovalAnswer)
def lambda_handler(event: ApprovalAnswer) -> Answered:
    config = settings()
    ledger, tokens = Ledger(config.table, config.region), TaskTokens(config.region)
    answer(event.run, event.decision, by=event.approver, comment=event.reason, ledger=ledger, tokens=tokens)
    return Answered(run=event.run, decision=event.decision, approver=event.approver)
