"""Each runbook step on in-memory fakes of the ports: what it decides, what it changes, and that it is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from evac import clock
from evac.domain.models import Poll, Readiness, Run, RunbookInput
from evac.domain.polling import POLL_CEILING, POLL_FLOOR, next_wait, polled
from evac.domain.ports import EndpointState, PriorRun, Reachability
from evac.domain.runbook import (
    check_database,
    check_endpoint,
    plan_run,
    preflight,
    promote_database,
    scale_endpoint,
)
from evac.errors import AlreadyActiveError, AwsTransientError, PlanError, PreflightFailedError
from tests.fakes.database import FakeReplicationLag
from tests.fakes.inference import FakeEndpoints
from tests.fakes.ledger import FakeRunLedger

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from tests.fakes.clock import FrozenClock
    from tests.fakes.database import FakeGlobalDatabase
    from tests.fakes.dns import FakeRecordWeights
    from tests.fakes.inference import FakeAutoscaling
    from tests.fakes.ledger import FakeSavedScaling

pytestmark = pytest.mark.usefixtures("frozen_clock")


def answers(region: str) -> Reachability:
    return Reachability(answers=True)


def ready() -> Readiness:
    """A readiness report with nothing to say (readiness itself is tested in tests/unit/domain/readiness)."""
    return Readiness(
        ready=True,
        application="fraud-scoring",
        source_region="us-east-1",
        target_region="us-west-2",
        checked_at=clock.now(),
        checks=[],
    )


def silent(region: str) -> Reachability:
    return Reachability(answers=False, detail=f"DescribeDBClusters in {region} did not answer")


def planned(**changes: object) -> RunbookInput:
    return RunbookInput.model_validate({"incident_id": "drill-planned-switchover", "mode": "planned"} | changes)


def decide(
    request: RunbookInput,
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    *,
    probe: Callable[[str], Reachability] = answers,
    ledger: FakeRunLedger | None = None,
) -> Run:
    """plan_run with a primary that answers and a ledger without earlier runs, unless told otherwise."""
    return plan_run(request, plan, database=database, lag=lag, probe=probe, ledger=ledger or FakeRunLedger())


@pytest.fixture
def run(plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag) -> Run:
    """A planned switchover from us-east-1 to us-west-2, as plan_run decides it on the seeded fakes."""
    return decide(planned(), plan, database, lag)


@pytest.fixture
def failover(run: Run) -> Run:
    return run.model_copy(update={"mode": "unplanned", "strategy": "failover", "rpo_seconds": 0.85})


# --- plan_run --------------------------------------------------------------------------------------------------------


def test_a_planned_run_switches_over_to_the_secondary_when_the_primary_answers(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = decide(planned(), plan, database, lag)

    assert (run.strategy, run.source_region, run.target_region) == ("switchover", "us-east-1", "us-west-2")
    assert run.rpo_seconds == 0.0


def test_a_planned_run_fails_over_when_the_primary_does_not_answer(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = decide(planned(), plan, database, lag, probe=silent)

    assert run.strategy == "failover"
    assert run.rpo_seconds == 0.85


def test_an_unplanned_run_fails_over_even_when_the_primary_answers(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = decide(planned(mode="unplanned"), plan, database, lag)

    assert run.strategy == "failover"
    assert run.rpo_seconds == 0.85


def test_a_run_without_a_target_goes_to_the_region_that_does_not_write(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    database.writer_region = "us-west-2"

    run = decide(planned(), plan, database, lag)

    assert (run.source_region, run.target_region) == ("us-west-2", "us-east-1")


def test_a_run_to_the_region_that_already_writes_is_refused(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    with pytest.raises(AlreadyActiveError, match="us-east-1 already holds the writer"):
        decide(planned(target_region="us-east-1"), plan, database, lag)


def test_a_run_to_a_region_outside_the_plan_is_refused(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    with pytest.raises(PlanError, match="eu-west-1"):
        decide(planned(target_region="eu-west-1"), plan, database, lag)


def test_a_run_counts_from_the_first_alarm_when_there_was_one(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag, frozen_clock: FrozenClock
) -> None:
    first_alarm = frozen_clock.now() - timedelta(minutes=2)

    run = decide(planned(detected_at=first_alarm), plan, database, lag)

    assert (run.detected_at, run.started_at) == (first_alarm, frozen_clock.now())


def test_a_drill_without_an_alarm_counts_from_its_start(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag, frozen_clock: FrozenClock
) -> None:
    run = decide(planned(), plan, database, lag)

    assert run.detected_at == run.started_at == frozen_clock.now()


def earlier(outcome: str, *, strategy: str = "failover", target: str = "us-west-2") -> FakeRunLedger:
    first_alarm = datetime(2026, 11, 27, 9, 58, tzinfo=UTC)
    prior = PriorRun("drill-planned-switchover", outcome, target, strategy, first_alarm, 0.85)
    return FakeRunLedger({prior.incident_id: prior})


@pytest.mark.parametrize("outcome", ["SUCCEEDED", "FAILED"])
def test_a_rerun_for_an_incident_whose_target_already_writes_resumes_it(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag, outcome: str
) -> None:
    # GIVEN an earlier run of the incident promoted us-west-2 (and succeeded, or failed later)
    database.writer_region = "us-west-2"

    run = decide(planned(target_region="us-west-2"), plan, database, lag, ledger=earlier(outcome))

    assert (run.resumed, run.strategy, run.target_region) == (True, "failover", "us-west-2")
    assert (run.detected_at.hour, run.rpo_seconds) == (9, 0.85)  # RTO still counts from the first alarm


def test_a_new_incident_to_the_region_that_already_writes_is_refused_even_with_other_runs_recorded(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    database.writer_region = "us-west-2"
    ledger = earlier("SUCCEEDED")

    with pytest.raises(AlreadyActiveError, match="no earlier run"):
        decide(planned(incident_id="a-new-incident", target_region="us-west-2"), plan, database, lag, ledger=ledger)


def test_a_rerun_of_an_incident_that_went_elsewhere_is_refused(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    database.writer_region = "us-east-1"

    with pytest.raises(AlreadyActiveError):
        decide(planned(target_region="us-east-1"), plan, database, lag, ledger=earlier("SUCCEEDED"))


def test_a_rerun_before_the_writer_moved_decides_afresh_but_keeps_the_first_alarm(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = decide(planned(), plan, database, lag, ledger=earlier("FAILED", strategy="switchover"))

    assert (run.resumed, run.strategy, run.detected_at.hour) == (True, "switchover", 9)


def test_a_lag_that_cannot_be_read_is_retried_then_the_run_goes_on_without_it(
    plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    throttled = FakeReplicationLag(refused="GetMetricStatistics failed: Throttling", transient=True)
    request = planned(mode="unplanned")

    with pytest.raises(AwsTransientError, match="GetMetricStatistics"):
        plan_run(
            request, plan, database=database, lag=throttled, probe=answers, ledger=FakeRunLedger(), final_attempt=False
        )
    run = plan_run(request, plan, database=database, lag=throttled, probe=answers, ledger=FakeRunLedger())

    assert run.rpo_seconds is None
    assert run.warnings == ["RPO unknown: GetMetricStatistics failed: Throttling"]


def test_a_lag_read_refused_is_not_retried(plan: RecoveryPlan, database: FakeGlobalDatabase) -> None:
    denied = FakeReplicationLag(refused="GetMetricStatistics failed: AccessDenied")

    run = plan_run(
        planned(mode="unplanned"),
        plan,
        database=database,
        lag=denied,
        probe=answers,
        ledger=FakeRunLedger(),
        final_attempt=False,
    )

    assert run.rpo_seconds is None
    assert "AccessDenied" in run.warnings[0]


def test_a_planned_run_notes_why_the_primary_did_not_answer(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = decide(planned(), plan, database, lag, probe=silent)

    assert run.warnings == ["DescribeDBClusters in us-east-1 did not answer"]


# --- preflight -------------------------------------------------------------------------------------------------------


def test_preflight_passes_when_the_target_is_ready(
    run: Run,
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
) -> None:
    result = preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=ready)

    assert [(c.name, c.ok) for c in result.checks] == [
        ("rds.target_cluster", True),
        ("sagemaker.endpoint:fraud-scoring-xgb", True),
        ("route53.record", True),
    ]


def test_preflight_fails_naming_every_check_that_did_not_pass(
    run: Run,
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
) -> None:
    # GIVEN a target whose cluster is rebooting, whose endpoint is gone and whose record set is missing
    database.cluster_statuses["fraud-scoring-usw2"] = "rebooting"
    target_endpoints.endpoints.clear()
    del records.current["fraud-scoring-usw2"]

    with pytest.raises(PreflightFailedError) as raised:
        preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=ready)

    message = str(raised.value)
    assert "rds.target_cluster: fraud-scoring-usw2 is rebooting" in message
    assert "sagemaker.endpoint:fraud-scoring-xgb: fraud-scoring-xgb does not exist" in message
    assert "route53.record" in message


def test_preflight_fails_on_a_single_failed_check(
    run: Run,
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
) -> None:
    target_endpoints.endpoints.clear()

    with pytest.raises(PreflightFailedError) as raised:
        preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=ready)

    assert "rds.target_cluster" not in str(raised.value)
    assert "sagemaker.endpoint:fraud-scoring-xgb" in str(raised.value)


# --- promote_database / check_database -------------------------------------------------------------------------------


def test_a_planned_run_switches_the_global_cluster_over_to_the_target(
    run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    poll = promote_database(run, plan, database=database)

    assert database.in_flight == ("switchover", "us-west-2")
    assert not poll.done


def test_an_unplanned_run_fails_the_global_cluster_over_to_the_target(
    failover: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    promote_database(failover, plan, database=database)

    assert database.in_flight == ("failover", "us-west-2")


def test_the_first_database_poll_looks_at_half_the_expected_promotion_time(
    run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    poll = promote_database(run, plan, database=database)

    assert poll.wait_seconds == plan.expectations.database_promotion_seconds / 2


def test_promoting_again_while_the_promotion_is_under_way_requests_nothing_new(
    run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    # GIVEN a switchover in flight (the fake refuses a second one, as Aurora does)
    promote_database(run, plan, database=database)

    again = promote_database(run, plan, database=database)

    assert database.in_flight == ("switchover", "us-west-2")
    assert not again.done


def test_promoting_again_once_the_target_writes_is_done_at_once(
    run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase, frozen_clock: FrozenClock
) -> None:
    promote_database(run, plan, database=database)
    database.complete()

    again = promote_database(run, plan, database=database)

    assert (again.done, again.ended_at, again.detail["already"]) == (True, frozen_clock.now(), True)
    assert (database.writer_region, database.in_flight) == ("us-west-2", None)


def test_the_database_poll_is_not_done_while_the_writer_moves(
    run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    started = promote_database(run, plan, database=database)

    polled = check_database(run, plan, started, database=database)

    assert (polled.done, polled.attempt, polled.ended_at) == (False, 1, None)
    assert polled.detail["writer_region"] == "us-east-1"


def test_the_database_poll_is_done_once_the_target_writes(
    run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase, frozen_clock: FrozenClock
) -> None:
    started = promote_database(run, plan, database=database)
    frozen_clock.advance(60)
    database.complete()

    polled = check_database(run, plan, started, database=database)

    assert (polled.done, polled.ended_at) == (True, frozen_clock.now())
    assert polled.detail["writer_region"] == "us-west-2"


# --- scale_endpoint / check_endpoint (one Map iteration each) --------------------------------------------------------
XGB = "fraud-scoring-xgb"


def test_scaling_raises_the_autoscaling_floor_and_the_instance_count_to_active_capacity(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    assert autoscaling.floors == {XGB: 4}
    assert target_endpoints.endpoints[XGB].desired_instances == 4


def test_scaling_touches_only_the_endpoint_it_is_given(
    run: Run, many: RecoveryPlan, autoscaling: FakeAutoscaling, saved_scaling: FakeSavedScaling
) -> None:
    endpoints = FakeEndpoints({e.name: EndpointState(e.name, "InService", 1, 1) for e in many.inference.endpoints})

    scale_endpoint(run, many, "fraud-scoring-xgb-02", endpoints=endpoints, autoscaling=autoscaling, saved=saved_scaling)

    assert {name: state.desired_instances for name, state in endpoints.endpoints.items()} == {
        XGB: 1,
        "fraud-scoring-xgb-02": 4,
        "fraud-scoring-xgb-03": 1,
    }


def test_scaling_again_while_the_endpoint_updates_changes_nothing(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    # GIVEN a scale-up in flight (the fake refuses updates to an Updating endpoint, as SageMaker does)
    scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    assert target_endpoints.endpoints[XGB] == EndpointState(XGB, "Updating", 1, 4)


def test_scaling_an_endpoint_already_at_capacity_leaves_it_serving_and_is_done(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    target_endpoints.endpoints[XGB] = EndpointState(XGB, "InService", 4, 4)

    poll = scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    assert target_endpoints.endpoints[XGB].status == "InService"
    assert poll.done


def test_scaling_a_missing_endpoint_fails_preflight(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    target_endpoints.endpoints.clear()

    with pytest.raises(PreflightFailedError, match="fraud-scoring-xgb does not exist in us-west-2"):
        scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)


def test_the_first_endpoint_poll_waits_until_the_expected_scale_up_time(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> None:
    poll = scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    assert (poll.done, poll.ref, poll.wait_seconds) == (False, XGB, 180)  # a first look at half the expected time
    assert poll.check_at == frozen_clock.now() + timedelta(seconds=180)


def test_a_poll_checks_at_a_whole_second_never_before_the_expected_time(frozen_clock: FrozenClock) -> None:
    frozen_clock.advance(0.25)

    checked = polled(Poll(started_at=frozen_clock.now()), "dns", 60, done=False)

    assert checked.check_at is not None
    assert checked.check_at.microsecond == 0
    assert 30 < (checked.check_at - frozen_clock.now()).total_seconds() <= 31  # the first look, at half of 60 s


def test_the_endpoint_poll_is_not_done_while_instances_are_still_coming_into_service(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    started = scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)
    target_endpoints.serve(XGB, 3)

    polled_once = check_endpoint(
        run, plan, started, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    assert (polled_once.done, polled_once.attempt, polled_once.detail["instances"]) == (False, 1, 3)


def test_the_endpoint_poll_is_done_once_it_serves_at_capacity(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> None:
    started = scale_endpoint(run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling)
    frozen_clock.advance(360)
    target_endpoints.finish_updates()

    polled_once = check_endpoint(
        run, plan, started, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    assert (polled_once.done, polled_once.ended_at) == (True, frozen_clock.now())
    assert polled_once.detail["instances"] == 4


# --- next_wait -------------------------------------------------------------------------------------------------------


def test_a_poll_sleeps_through_the_first_half_of_the_expected_time(frozen_clock: FrozenClock) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=20))

    assert next_wait(poll, "inference", 360) == 160


@pytest.mark.parametrize(("elapsed", "wait"), [(180, 5), (300, 6), (354, 6), (357, 5)])
def test_from_half_the_expected_time_a_change_is_looked_at_after_a_fiftieth_of_its_time_and_at_the_expected_moment(
    elapsed: int, wait: int, frozen_clock: FrozenClock
) -> None:
    # A scale-up twice as fast as expected is seen within 5 s of serving, not 180 s later; one on time, at once.
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=elapsed))

    assert next_wait(poll, "inference", 360) == wait


@pytest.mark.parametrize(("elapsed", "wait"), [(400, 8), (540, 11), (1080, 22), (1500, 30), (3000, 30)])
def test_a_late_scale_up_is_looked_at_after_a_fiftieth_of_its_time_up_to_the_ceiling(
    elapsed: int, wait: int, frozen_clock: FrozenClock
) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=elapsed))

    assert next_wait(poll, "inference", 360) == wait <= POLL_CEILING["inference"]


@pytest.mark.parametrize("kind", sorted(POLL_FLOOR))
def test_a_change_never_waits_less_than_its_floor(kind: str, frozen_clock: FrozenClock) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=40))

    assert next_wait(poll, kind, 41) == POLL_FLOOR[kind]


def test_other_late_changes_have_no_ceiling(frozen_clock: FrozenClock) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=60 + 600))

    assert next_wait(poll, "database", 60) == 14


def test_a_poll_never_sleeps_less_than_the_floor_even_just_before_the_expected_time(frozen_clock: FrozenClock) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=59))

    assert next_wait(poll, "database", 60) == POLL_FLOOR["database"]
