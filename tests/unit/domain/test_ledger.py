"""The run record: the evidence every run leaves, whatever its outcome (principle 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.ledger import build_record
from evac.domain.models import RecordInput, StepError

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.clock import FrozenClock


def test_a_verified_run_is_recorded_as_succeeded_with_its_rto_rpo_and_phases(
    verified_record: RecordInput, plan: RecoveryPlan, frozen_clock: FrozenClock
) -> None:
    record = build_record(verified_record, plan=plan)

    assert record.outcome == "SUCCEEDED"
    assert (record.strategy, record.source_region, record.target_region) == ("failover", "us-east-1", "us-west-2")
    assert (record.rto_seconds, record.rpo_seconds) == (488.0, 0.85)
    assert [p.name for p in record.phases] == ["detect", "prepare", "database", "inference", "dns", "verify"]
    assert record.error is None
    assert record.recorded_at == frozen_clock.now()
    assert record.summary == "evac fraud-scoring: failover us-east-1 -> us-west-2 SUCCEEDED, RTO 488 s"


def test_a_run_with_an_error_is_recorded_as_failed_with_the_error_and_no_rto(
    verified_record: RecordInput, plan: RecoveryPlan
) -> None:
    # GIVEN a run that verified everything but then failed (the error wins over the timestamps)
    failed = verified_record.model_copy(
        update={"error": StepError(Error="VerificationFailedError", Cause="writer is in us-east-1, not us-west-2")}
    )

    record = build_record(failed, plan=plan)

    assert record.outcome == "FAILED"
    assert (record.error, record.cause) == ("VerificationFailedError", "writer is in us-east-1, not us-west-2")
    assert record.rto_seconds is None
    assert record.rpo_seconds == 0.85
    assert "FAILED with VerificationFailedError" in record.summary


def test_a_run_that_failed_before_planning_is_recorded_under_its_execution_name(plan: RecoveryPlan) -> None:
    failed = RecordInput(
        execution="drill-planned-switchover",
        request={"incident_id": "drill-planned-switchover", "mode": "planned", "target_region": "us-west-2"},
        error=StepError(Error="AlreadyActiveError", Cause="us-west-2 already holds the writer"),
    )

    record = build_record(failed, plan=plan)

    assert (record.incident_id, record.mode, record.outcome) == ("drill-planned-switchover", "planned", "FAILED")
    assert (record.strategy, record.target_region, record.phases) == (None, None, [])


def test_a_run_whose_input_was_invalid_is_recorded_without_inventing_a_mode(plan: RecoveryPlan) -> None:
    failed = RecordInput(
        execution="drill-sideways",
        request={"incident_id": "drill-sideways", "mode": "sideways"},
        error=StepError(Error="InvalidInputError", Cause="invalid RunbookInput: mode: Input should be 'planned'"),
    )

    record = build_record(failed, plan=plan)

    assert (record.incident_id, record.mode, record.error) == ("drill-sideways", None, "InvalidInputError")


def test_a_failed_record_keeps_at_most_2000_characters_of_the_cause(plan: RecoveryPlan) -> None:
    failed = RecordInput(execution="x", error=StepError(Error="AwsCallError", Cause="x" * 5000))

    assert len(build_record(failed, plan=plan).cause or "") == 2000
