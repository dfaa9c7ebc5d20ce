"""RTO and the per-phase timeline of a run, from the timestamps its steps recorded."""

from __future__ import annotations

from evac.domain.models import RecordInput, StepError
from evac.domain.timing import full_capacity_seconds, phases, rto_seconds
from tests.fakes.clock import at


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
    database, endpoints = verified_record.promotion or (None, [])
    unfinished = verified_record.model_copy(
        update={"promotion": (database.model_copy(update={"done": False, "ended_at": None}), endpoints)}
    )

    assert "database" not in [p.name for p in phases(unfinished)]


def test_the_inference_phase_runs_from_the_first_scale_up_request_to_the_last_endpoint_at_capacity(
    verified_record: RecordInput,
) -> None:
    database, endpoints = verified_record.promotion or (None, [])
    later = endpoints[0].model_copy(
        update={"ref": "fraud-scoring-xgb-02", "started_at": at(8, 6), "ended_at": at(14, 9)}
    )
    record = verified_record.model_copy(update={"promotion": (database, [*endpoints, later])})

    inference = next(p for p in phases(record) if p.name == "inference")

    assert (inference.start, inference.end) == (at(8, 5), at(14, 9))


def test_a_run_that_failed_before_planning_has_no_phases() -> None:
    record = RecordInput(execution="drill-planned-switchover", error=StepError(Error="PlanError"))

    assert phases(record) == []


def test_rto_runs_from_the_first_alarm_to_the_end_of_verification(verified_record: RecordInput) -> None:
    # 10:07:00 first ALARM -> 10:15:08 verified
    assert rto_seconds(verified_record) == 488.0


def test_rto_is_none_when_the_run_never_verified(verified_record: RecordInput) -> None:
    unverified = verified_record.model_copy(update={"verification": None})

    assert rto_seconds(unverified) is None


def test_a_run_that_sent_all_traffic_at_once_reached_full_capacity_at_its_rto(verified_record: RecordInput) -> None:
    assert full_capacity_seconds(verified_record) == rto_seconds(verified_record) == 488.0


def test_when_traffic_follows_capacity_rto_ends_at_the_first_verified_share(ramped_record: RecordInput) -> None:
    # 10:07:00 first ALARM -> 10:10:13 the first 25% verified serving; all traffic verified at 10:15:27
    assert rto_seconds(ramped_record) == 193.0
    assert full_capacity_seconds(ramped_record) == 507.0


def test_a_ramp_has_its_first_move_then_the_ramp_as_phases(ramped_record: RecordInput) -> None:
    timeline = [(p.name, p.seconds) for p in phases(ramped_record)]

    assert timeline == [
        ("detect", 60.0),
        ("prepare", 5.0),
        ("database", 65.0),
        ("inference", 442.0),  # until the first verification that found every instance in service
        ("dns", 60.0),
        ("verify", 2.0),
        ("ramp", 314.0),
    ]


def test_a_ramp_that_never_took_all_traffic_has_no_full_capacity_time(ramped_record: RecordInput) -> None:
    assert ramped_record.verification is not None
    partial = ramped_record.verification.model_copy(
        update={"steps": ramped_record.verification.steps[:2], "weight": 50}
    )

    assert full_capacity_seconds(ramped_record.model_copy(update={"verification": partial})) is None
