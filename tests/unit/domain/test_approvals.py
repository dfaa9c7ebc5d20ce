"""Approvals' rules on in-memory fakes: one answer per run, claimed in the ledger before the task token is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from evac.domain.approvals import ApprovalError, answer, close_unanswered, request
from evac.domain.ledger import build_record
from evac.domain.models import (
    FINDINGS_CARRIED,
    ApprovalRequest,
    Preflight,
    PreflightCheck,
    Readiness,
    ReadinessCheck,
    ReadinessFindings,
    StepError,
)
from evac.domain.ports import TaskClosedError

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.models import RecordInput, Run
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.clock import FrozenClock

RUN = "game-day-2026-q4"
TOKEN = "task-token-1"


@dataclass
class FakeApprovals:
    """The ledger's approvals: ``close_approval`` only moves a pending approval, as DynamoDB's condition does."""

    items: dict[str, dict[str, str]] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    lose_the_race: bool = False  # someone else closes the approval between our read and our write

    def request_approval(self, incident_id: str, token: str, requested_at: datetime, summary: str) -> None:
        self.items[incident_id] = {
            "token": token,
            "status": "pending",
            "requested_at": requested_at.isoformat(),
            "summary": summary,
        }

    def approval(self, incident_id: str) -> dict[str, str] | None:
        found = self.items.get(incident_id)
        return dict(found) if found else None

    def get(self, incident_id: str) -> dict[str, Any] | None:
        return self.runs.get(incident_id)

    def close_approval(self, incident_id: str, status: str, by: str, at: datetime, comment: str) -> bool:
        item = self.items.get(incident_id)
        if self.lose_the_race and item:
            item |= {"status": "approved", "decided_by": "someone", "decided_at": at.isoformat()}
        if item is None or item["status"] != "pending":
            return False
        item |= {"status": status, "decided_by": by, "decided_at": at.isoformat(), "comment": comment}
        return True


@dataclass
class FakeTaskTokens:
    """Step Functions' callbacks: what was sent, and the approval's status in the ledger at that moment."""

    ledger: FakeApprovals
    closed: bool = False  # the task timed out: every answer raises TaskClosedError
    sent: list[tuple[str, str, Any, str]] = field(default_factory=list)  # (kind, token, payload, ledger status)

    def succeed(self, token: str, output: dict) -> None:
        self._send("success", token, output)

    def fail(self, token: str, error: str, cause: str) -> None:
        self._send("failure", token, (error, cause))

    def _send(self, kind: str, token: str, payload: Any) -> None:
        if self.closed:
            raise TaskClosedError("Task Timed Out")
        self.sent.append((kind, token, payload, self.ledger.items[RUN]["status"]))


@pytest.fixture
def ledger(frozen_clock: FrozenClock) -> FakeApprovals:
    """A run that asked for approval a minute ago."""
    found = FakeApprovals()
    found.request_approval(RUN, TOKEN, frozen_clock.now(), "switchover us-east-1 -> us-west-2 (game-day)")
    frozen_clock.advance(60)
    return found


@pytest.fixture
def tokens(ledger: FakeApprovals) -> FakeTaskTokens:
    return FakeTaskTokens(ledger)


def test_an_approval_sends_the_approver_and_times_as_the_tasks_output(
    ledger: FakeApprovals, tokens: FakeTaskTokens, frozen_clock: FrozenClock
) -> None:
    approval = answer(RUN, "approve", by="ana", comment="go", ledger=ledger, tokens=tokens)

    assert approval is not None
    assert (approval.approver, approval.comment, approval.decided_at) == ("ana", "go", frozen_clock.now())
    assert [(kind, token) for kind, token, _, _ in tokens.sent] == [("success", TOKEN)]
    assert tokens.sent[0][2] == approval.model_dump(mode="json")
    assert (ledger.items[RUN]["status"], ledger.items[RUN]["decided_by"]) == ("approved", "ana")


def test_the_answer_is_claimed_in_the_ledger_before_the_token_is_sent(
    ledger: FakeApprovals, tokens: FakeTaskTokens
) -> None:
    answer(RUN, "approve", by="ana", comment="", ledger=ledger, tokens=tokens)

    [(_, _, _, status_when_sent)] = tokens.sent
    assert status_when_sent == "approved"


def test_a_rejection_fails_the_task_with_the_reason_and_returns_nothing(
    ledger: FakeApprovals, tokens: FakeTaskTokens
) -> None:
    assert answer(RUN, "reject", by="bo", comment="not today", ledger=ledger, tokens=tokens) is None

    assert [(kind, payload) for kind, _, payload, _ in tokens.sent] == [
        ("failure", ("ApprovalRejectedError", "rejected by bo: not today"))
    ]
    assert (ledger.items[RUN]["status"], ledger.items[RUN]["comment"]) == ("rejected", "not today")


def test_a_second_answer_is_refused_naming_the_first(ledger: FakeApprovals, tokens: FakeTaskTokens) -> None:
    answer(RUN, "approve", by="a", comment="", ledger=ledger, tokens=tokens)

    with pytest.raises(ApprovalError, match=f"run {RUN} was already approved by a at "):
        answer(RUN, "reject", by="b", comment="no", ledger=ledger, tokens=tokens)
    assert len(tokens.sent) == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(
    ledger: FakeApprovals, tokens: FakeTaskTokens, reason: str
) -> None:
    with pytest.raises(ApprovalError, match=r"a rejection needs a reason \(--reason\)"):
        answer(RUN, "reject", by="b", comment=reason, ledger=ledger, tokens=tokens)

    assert (ledger.items[RUN]["status"], tokens.sent) == ("pending", [])


def test_an_unknown_run_is_refused(ledger: FakeApprovals, tokens: FakeTaskTokens) -> None:
    with pytest.raises(ApprovalError, match="no run 'no-such-run' is known here"):
        answer("no-such-run", "approve", by="x", comment="", ledger=ledger, tokens=tokens)
    assert tokens.sent == []


def test_a_run_that_never_asked_is_refused(ledger: FakeApprovals, tokens: FakeTaskTokens) -> None:
    ledger.runs["drill-planned-switchover"] = {"outcome": "SUCCEEDED"}

    with pytest.raises(ApprovalError, match="run drill-planned-switchover did not ask for approval"):
        answer("drill-planned-switchover", "approve", by="x", comment="", ledger=ledger, tokens=tokens)


def test_a_run_that_stopped_is_refused_with_why_it_stopped(ledger: FakeApprovals, tokens: FakeTaskTokens) -> None:
    ledger.items[RUN] |= {"status": "closed", "comment": "ApprovalTimedOutError"}

    with pytest.raises(ApprovalError, match=r"no longer waits \(ApprovalTimedOutError\); it was recorded and changed"):
        answer(RUN, "reject", by="late", comment="too late", ledger=ledger, tokens=tokens)
    assert tokens.sent == []


def test_an_answer_after_the_window_closed_is_refused(ledger: FakeApprovals, tokens: FakeTaskTokens) -> None:
    tokens.closed = True

    with pytest.raises(ApprovalError, match="no longer waits: its approval window closed and it was aborted"):
        answer(RUN, "approve", by="late", comment="", ledger=ledger, tokens=tokens)


def test_two_people_answering_at_once_send_one_answer(ledger: FakeApprovals, tokens: FakeTaskTokens) -> None:
    ledger.lose_the_race = True

    with pytest.raises(ApprovalError, match="was answered by someone else at the same moment"):
        answer(RUN, "approve", by="b", comment="", ledger=ledger, tokens=tokens)
    assert tokens.sent == []


def test_a_request_keeps_the_token_pending_and_tells_people_how_to_answer(
    failover_run: Run, frozen_clock: FrozenClock
) -> None:
    # GIVEN the approval step's input: the run, its preflight and the task token
    preflight = Preflight(
        checks=[PreflightCheck(name="rds.target_cluster", ok=True, detail="available")],
        started_at=frozen_clock.now(),
        ended_at=frozen_clock.now(),
    )
    event = ApprovalRequest(run=failover_run, preflight=preflight, token=TOKEN)
    ledger, published = FakeApprovals(), []

    # WHEN the step asks
    message = request(event, ledger=ledger, notifier=_Notifier(published), region="us-west-2")

    # THEN the ledger holds the pending token, and people are told what will happen and how to answer
    pending = ledger.items[failover_run.incident_id]
    assert (pending["token"], pending["status"]) == (TOKEN, "pending")
    assert pending["summary"] == "failover us-east-1 -> us-west-2 (unplanned)"
    assert published == [("evac: approve failover to us-west-2?", message)]
    assert f"evac approve {failover_run.incident_id} --stack-name <stack> --region us-west-2" in message
    assert "  ok  rds.target_cluster: available" in message


def test_a_request_for_a_target_not_ready_names_every_finding_with_its_evidence_and_remediation(
    failover_run: Run, frozen_clock: FrozenClock
) -> None:
    # GIVEN a preflight that found a critical finding and a warning on the target
    now = frozen_clock.now()
    critical = ReadinessCheck(
        name="s3.model_artifact",
        status="fail",
        severity="critical",
        resource="s3://models-usw2/xgb/model.tar.gz",
        evidence="NoSuchKey",
        remediation="copy the artifact: aws s3 cp ...",
    )
    warning = ReadinessCheck(
        name="ecr.replication", status="unknown", severity="warning", evidence="AccessDenied", remediation="grant it"
    )
    readiness = carried(now, [warning, critical], ready=False)
    preflight = Preflight(
        checks=[], readiness=readiness, not_ready="us-west-2 cannot serve", started_at=now, ended_at=now
    )

    # WHEN the step asks
    message = request(
        ApprovalRequest(run=failover_run, preflight=preflight, token=TOKEN),
        ledger=FakeApprovals(),
        notifier=_Notifier([]),
        region="us-west-2",
    )

    # THEN the person sees why they are asked, each finding (critical first), what was read and what to do
    assert "THE TARGET IS NOT READY" in message
    assert "rejecting, or not answering, aborts the run with SecondaryNotReadyError" in message
    lines = message.splitlines()
    at = lines.index("  CRITICAL s3.model_artifact s3://models-usw2/xgb/model.tar.gz: fail")
    assert lines[at + 1 : at + 3] == ["    evidence: NoSuchKey", "    remediation: copy the artifact: aws s3 cp ..."]
    assert lines.index("  WARNING ecr.replication: unknown") > at


def test_every_approval_request_lists_the_readiness_warnings(failover_run: Run, frozen_clock: FrozenClock) -> None:
    now = frozen_clock.now()
    warning = ReadinessCheck(name="ecr.replication", status="fail", severity="warning", evidence="no rule")
    preflight = Preflight(checks=[], readiness=carried(now, [warning]), started_at=now, ended_at=now)

    message = request(
        ApprovalRequest(run=failover_run, preflight=preflight, token=TOKEN),
        ledger=FakeApprovals(),
        notifier=_Notifier([]),
        region="us-west-2",
    )

    assert "NOT READY" not in message
    assert "  WARNING ecr.replication: fail\n    evidence: no rule" in message


def test_an_approval_request_names_the_findings_the_run_carries_and_how_to_read_the_rest(
    failover_run: Run, frozen_clock: FrozenClock
) -> None:
    now = frozen_clock.now()
    checks = [
        ReadinessCheck(
            name="ecr.replication", status="fail", severity="warning", resource=f"repo-{i}", evidence="no rule"
        )
        for i in range(FINDINGS_CARRIED + 5)
    ]
    preflight = Preflight(checks=[], readiness=carried(now, checks), started_at=now, ended_at=now)

    message = request(
        ApprovalRequest(run=failover_run, preflight=preflight, token=TOKEN),
        ledger=FakeApprovals(),
        notifier=_Notifier([]),
        region="us-west-2",
    )

    assert f"Readiness findings ({FINDINGS_CARRIED + 5} of {FINDINGS_CARRIED + 5} checks):" in message
    assert message.count("  WARNING ecr.replication") == FINDINGS_CARRIED
    assert (
        "  ... and 5 more: evac readiness --stack-name <stack> --region us-west-2 --target-region us-west-2"
        " lists every check"
    ) in message


@pytest.mark.parametrize(("error", "closed"), [(None, False), ("ApprovalTimedOutError", True), ("DnsShiftError", True)])
def test_a_run_that_stopped_closes_its_approval(
    plan: RecoveryPlan, verified_record: RecordInput, ledger: FakeApprovals, error: str | None, closed: bool
) -> None:
    stopped = verified_record.model_copy(update={"error": StepError(Error=error) if error else None})
    record = build_record(stopped, plan=plan).model_copy(update={"incident_id": RUN})

    close_unanswered(record, ledger=ledger)

    assert ledger.items[RUN]["status"] == ("closed" if closed else "pending")
    if closed:
        assert (ledger.items[RUN]["decided_by"], ledger.items[RUN]["comment"]) == ("evac", error)


def carried(now: datetime, checks: list[ReadinessCheck], *, ready: bool = True) -> ReadinessFindings:
    """What a run carries of a readiness report of us-west-2 made of ``checks``."""
    report = Readiness(
        ready=ready,
        application="fraud-scoring",
        source_region="us-east-1",
        target_region="us-west-2",
        checked_at=now,
        checks=checks,
    )
    return report.carried()


@dataclass
class _Notifier:
    published: list[tuple[str, str]]

    def publish(self, subject: str, message: str) -> None:
        self.published.append((subject, message))
