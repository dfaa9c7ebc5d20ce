"""RTO and the per-phase timeline of a run, from the timestamps its steps recorded."""

from __future__ import annotations

from evac.domain.models import RecordInput, StepError
from evac.domain.timing import phases, rto_seconds


def test_a_verified_run_has_every_phase_in_order_with_its_duration(verified_record: RecordInput) -> None:
    timeline = [(p.name, p.seconds) for p in phases(verified_record)]

    assert timeline == [
        ("detect", 60.0),
        ("prepare", 5.0),
        ("database", 65.0),
        ("inference", 360.0),
        ("dns", 60.0),
        ("verify", 2.0),
    ]


def test_the_database_and_inference_phases_run_in_parallel(verified_record: RecordInput) -> None:
    by_name = {p.name: p for p in phases(verified_record)}

    assert by_name["database"].start == by_name["inference"].start == by_name["prepare"].end


def test_a_run_that_failed_during_promotion_has_phases_up_to_preflight(verified_record: RecordInput) -> None:
    failed = RecordInput(
        run=verified_record.run,
        preflight=verified_record.preflight,
        error=StepError(Error="DatabasePromotionError", Cause="refused"),
    )

    assert [p.name for p in phases(failed)] == ["detect", "prepare"]


def test_a_poll_that_never_finished_leaves_its_phase_out(verified_record: RecordInput) -> None:
    database, inference = verified_record.promotion or ()
    unfinished = verified_record.model_copy(
        update={"promotion": (database, inference.model_copy(update={"done": False, "ended_at": None}))}
    )

    assert "inference" not in [p.name for p in phases(unfinished)]


def test_a_run_that_failed_before_planning_has_no_phases() -> None:
    record = RecordInput(execution="drill-planned-switchover", error=StepError(Error="PlanError"))

    assert phases(record) == []


def test_rto_runs_from_the_first_alarm_to_the_end_of_verification(verified_record: RecordInput) -> None:
    # 10:07:00 first ALARM -> 10:15:08 verified
    assert rto_seconds(verified_record) == 488.0


def test_rto_is_none_when_the_run_never_verified(verified_record: RecordInput) -> None:
    unverified = verified_record.model_copy(update={"verification": None})

    assert rto_seconds(unverified) is None
