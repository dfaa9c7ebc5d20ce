"""What a run decides about approval, dry runs and its predicted RTO; what its record says about its outcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from evac.domain.ledger import build_record
from evac.domain.models import RecordInput, Run, RunbookInput, StepError
from evac.domain.ports import GlobalClusterState, Reachability
from evac.domain.runbook import plan_run, predicted_rto
from evac.domain.timing import critical_path_seconds
from tests.fakes.ledger import FakeRunLedger

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

AT = datetime(2026, 11, 27, 10, 7, tzinfo=UTC)


class Database:
    def global_state(self, global_cluster: str) -> GlobalClusterState:
        return GlobalClusterState(writer_region="us-east-1", status="available")


class Lag:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds

    def lag_seconds(self, cluster_id: str) -> float | None:
        return self.seconds


def planned(plan: RecoveryPlan, lag: float | None = 0.8, **request: object) -> Run:
    return plan_run(
        RunbookInput.model_validate({"incident_id": "i-1", "mode": "unplanned"} | request),
        plan,
        database=Database(),  # type: ignore[arg-type]
        lag=Lag(lag),
        probe=lambda region: Reachability(answers=True),
        ledger=FakeRunLedger(),
    )


@pytest.mark.parametrize(
    ("request_fields", "lag", "required"),
    [
        ({"mode": "planned", "approval": "required"}, 0.8, True),  # a game day
        ({"mode": "unplanned"}, 0.8, False),  # within the RPO budget: automatic
        ({"mode": "unplanned"}, 120.0, True),  # over the plan's 60 s budget
        ({"mode": "unplanned"}, None, True),  # unknown data loss is not within budget
        ({"mode": "unplanned", "approval": "none"}, 120.0, False),  # the plan's explicit choice
        ({"mode": "dry-run", "approval": "required"}, 0.8, False),  # a dry run changes nothing: nothing to approve
    ],
    ids=["game-day", "within-budget", "over-budget", "unknown-rpo", "explicitly-none", "dry-run"],
)
def test_who_must_approve(
    plan: RecoveryPlan, request_fields: dict[str, object], lag: float | None, required: bool
) -> None:
    assert planned(plan, lag, **request_fields).approval_required is required


def test_a_dry_run_plans_what_a_planned_run_would_do(plan: RecoveryPlan) -> None:
    run = planned(plan, mode="dry-run")

    assert (run.strategy, run.rpo_seconds) == ("switchover", 0.0)
    assert run.predicted_rto_seconds == 60 + 360 + 60  # it predicts an incident: from the first ALARM, sustain first


def test_the_predicted_rto_is_the_slower_of_promotion_and_scale_up_then_dns(plan: RecoveryPlan) -> None:
    assert predicted_rto(plan, "failover", from_alarm=False) == 360 + 60


def test_a_run_started_by_alarms_predicts_the_sustain_window_too(plan: RecoveryPlan) -> None:
    assert predicted_rto(plan, "failover", from_alarm=True) == 60 + 360 + 60


def test_a_planned_run_started_by_hand_predicts_no_sustain_window(plan: RecoveryPlan) -> None:
    assert planned(plan, mode="planned").predicted_rto_seconds == 360 + 60


def test_the_prediction_and_the_drills_critical_path_are_one_definition(plan: RecoveryPlan) -> None:
    expected = plan.expectations

    floor = critical_path_seconds(
        sustain=plan.trigger.sustain_seconds,
        database=expected.database_promotion_seconds,
        inference=expected.endpoint_scale_up_seconds,
        dns=expected.dns_propagation_seconds,
    )

    assert predicted_rto(plan, "failover", from_alarm=True) == floor == 480


@pytest.mark.parametrize(
    ("error", "outcome"),
    [("ApprovalRejectedError", "ABORTED"), ("ApprovalTimedOutError", "ABORTED"), ("PreflightFailedError", "FAILED")],
)
def test_a_person_saying_no_aborts_while_anything_else_fails(plan: RecoveryPlan, error: str, outcome: str) -> None:
    run = planned(plan, mode="planned", approval="required")

    record = build_record(RecordInput(run=run, error=StepError(Error=error, Cause=None)), plan=plan)

    assert (record.outcome, record.rto_seconds, record.error) == (outcome, None, error)


def test_a_dry_run_is_recorded_as_such_with_its_prediction(plan: RecoveryPlan) -> None:
    record = build_record(RecordInput(run=planned(plan, mode="dry-run")), plan=plan)

    assert (record.outcome, record.predicted_rto_seconds) == ("DRY_RUN", 480.0)
    assert "dry run of switchover us-east-1 -> us-west-2" in record.summary
