"""Game days, dry runs and failback on the local cloud; approvals answered through
`evac.domain.approvals.answer`, the path `evac approve`, `evac reject` and the approval function share."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import boto3
import pytest
import yaml

from evac.aws.dynamodb import Ledger
from evac.aws.stepfunctions import TaskTokens
from evac.domain.approvals import ApprovalError, answer
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill import run_drill
from evacops.drill.catalog import entry
from evacops.drill.scenarios import SCENARIOS, Options, start
from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e
TARGET = "us-west-2"


def test_a_game_day_waits_for_approval_then_switches_over() -> None:
    report = run_drill("game-day", options=Options(approve_after=120, approver="ic@example.com"))

    assert (report.status, report.strategy, report.executions) == ("SUCCEEDED", "switchover", 1)
    approval = next(p for p in report.phases if p.name == "approval")
    assert approval.seconds >= 120
    assert report.approver == "ic@example.com"
    assert report.writer_region == report.dns_region == TARGET
    assert any("waits for approval" in m and "evac approve game-day-2026-q4" in m for m in report.notifications)
    assert report.expected, [c for c in report.checks if not c.ok]


def test_a_rejected_game_day_is_aborted_and_changes_nothing() -> None:
    report = run_drill("game-day", options=Options(reject=True))

    assert (report.status, report.executions, report.outcome) == ("ABORTED", 1, "ABORTED")
    assert report.writer_region == report.dns_region == "us-east-1"
    assert report.expected, [c for c in report.checks if not c.ok]


def test_a_dry_run_says_what_would_happen_and_changes_nothing() -> None:
    report = run_drill("dry-run")

    assert (report.status, report.outcome, report.strategy) == ("SUCCEEDED", "DRY_RUN", "switchover")
    assert report.predicted_rto_seconds == 480.0  # an incident's: the sustain window, scale-up, DNS
    assert report.predicted_rto_seconds == report.critical_path_seconds  # one definition
    assert [c.name for c in report.checks] == entry(SCENARIOS["dry-run"], load_plan(DEFAULT_PLAN)).checks  # as listed
    assert report.writer_region == report.dns_region == "us-east-1"
    assert report.expected, [c for c in report.checks if not c.ok]


def test_failback_brings_writer_dns_and_capacities_back_as_they_began() -> None:
    report = run_drill("failback")

    assert (report.status, report.executions, report.strategy) == ("SUCCEEDED", 2, "switchover")
    assert report.writer_region == report.dns_region == "us-east-1"
    capacity = {(e.region, e.status, e.instances) for e in report.endpoints}
    assert capacity == {("us-east-1", "InService", 4), ("us-west-2", "InService", 1)}
    assert report.expected, [c for c in report.checks if not c.ok]


@pytest.fixture
def waiting() -> LocalCloud:
    """A local cloud whose game-day run waits for approval."""
    cloud = LocalCloud()
    cloud.__enter__()
    start(cloud, "game-day.json")
    ledger = Ledger(cloud.stacks[TARGET].table, TARGET)
    assert cloud.wait_until(lambda: ledger.approval("game-day-2026-q4") is not None)
    yield cloud
    cloud.__exit__(None, None, None)


def ledger_of(cloud: LocalCloud) -> Ledger:
    return Ledger(cloud.stacks[TARGET].table, TARGET)


def test_approving_twice_is_refused_the_second_time(waiting: LocalCloud) -> None:
    answer("game-day-2026-q4", "approve", by="a", comment="", ledger=ledger_of(waiting), tokens=TaskTokens(TARGET))

    with pytest.raises(ApprovalError, match="already approved by a"):
        answer("game-day-2026-q4", "approve", by="b", comment="", ledger=ledger_of(waiting), tokens=TaskTokens(TARGET))


@pytest.mark.parametrize(
    ("run", "decision", "comment", "message"),
    [
        ("no-such-run", "approve", "", "no run 'no-such-run' is known here"),
        ("game-day-2026-q4", "reject", "", "a rejection needs a reason"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(
    waiting: LocalCloud, run: str, decision: str, comment: str, message: str
) -> None:
    with pytest.raises(ApprovalError, match=message):
        answer(run, decision, by="x", comment=comment, ledger=ledger_of(waiting), tokens=TaskTokens(TARGET))  # type: ignore[arg-type]

    assert ledger_of(waiting).approval("game-day-2026-q4")["status"] == "pending"  # type: ignore[index]


def test_approving_a_run_that_never_asked_is_refused() -> None:
    with LocalCloud() as cloud:
        start(cloud, "drill-planned.json")
        cloud.quiesce()

        with pytest.raises(ApprovalError, match="did not ask for approval"):
            answer(
                "drill-planned-switchover",
                "approve",
                by="x",
                comment="",
                ledger=ledger_of(cloud),
                tokens=TaskTokens(TARGET),
            )


def test_nobody_answering_aborts_cleanly_and_a_late_rejection_is_refused(tmp_path: Path) -> None:
    # GIVEN a plan whose approval window is one minute
    plan = yaml.safe_load(DEFAULT_PLAN.read_text(encoding="utf-8")) | {"approval_timeout_seconds": 60}
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan), encoding="utf-8")
    with LocalCloud(path) as cloud:
        # WHEN a game day asks and nobody answers
        start(cloud, "game-day.json")
        cloud.quiesce()

        # THEN the run is aborted, nothing changed, the lock is free, the run recorded as ABORTED
        execution = cloud.executions(TARGET)[0]
        described = boto3.client("stepfunctions", TARGET).describe_execution(executionArn=execution["executionArn"])
        assert (described["status"], described["error"]) == ("FAILED", "ApprovalTimedOutError")
        assert cloud.writer_region() == cloud.dns_region() == "us-east-1"
        ledger = ledger_of(cloud)
        assert ledger.lock_holder("fraud-scoring") is None
        assert ledger.get("game-day-2026-q4")["outcome"] == "ABORTED"  # type: ignore[index]
        with pytest.raises(ApprovalError, match="no longer waits"):
            answer(
                "game-day-2026-q4", "reject", by="late", comment="too late", ledger=ledger, tokens=TaskTokens(TARGET)
            )


def test_a_person_approves_from_another_process_with_evac_approve_local(tmp_path: Path) -> None:
    # GIVEN a game day waiting on a local cloud served on loopback
    with LocalCloud() as cloud:
        cloud.serve(tmp_path / ".evac" / "localcloud.json")
        start(cloud, "game-day.json")
        assert cloud.wait_until(lambda: ledger_of(cloud).approval("game-day-2026-q4") is not None)

        # WHEN a person runs `evac approve --local` in another terminal
        approved = subprocess.run(
            [sys.executable, "-m", "evacops.cli", "approve", "game-day-2026-q4", "--local", "--approver", "ic"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        cloud.quiesce()

        # THEN the run goes on and fails over, with the approver on record
        assert approved.returncode == 0, approved.stderr
        assert cloud.writer_region() == cloud.dns_region() == TARGET
        assert ledger_of(cloud).get("game-day-2026-q4")["approver"] == "ic"  # type: ignore[index]
