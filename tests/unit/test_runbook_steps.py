"""Each runbook step on in-memory fakes of the ports: what it decides, what it changes, and that it is idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from evac import clock
from evac.domain.models import Poll, Readiness, Run, RunbookInput
from evac.domain.ports import EndpointState
from evac.domain.runbook import (
    POLL_FLOOR,
    check_database,
    check_dns,
    check_inference,
    next_wait,
    plan_run,
    preflight,
    promote_database,
    scale_inference,
    shift_dns,
    verify,
)
from evac.errors import AlreadyActiveError, PlanError, PreflightFailedError, VerificationFailedError

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from tests.conftest import FrozenClock
    from tests.unit.conftest import (
        FakeAutoscaling,
        FakeCanary,
        FakeEndpoints,
        FakeGlobalDatabase,
        FakeReplicationLag,
        FakeWeightedRecords,
    )

pytestmark = pytest.mark.usefixtures("frozen_clock")

TARGET_WEIGHTS = {"fraud-scoring-usw2": 100, "fraud-scoring-use1": 0}


def answers(region: str) -> bool:
    return True


def ready() -> Readiness:
    """A readiness report with nothing to say (readiness itself is tested in test_readiness.py)."""
    return Readiness(
        ready=True,
        application="fraud-scoring",
        source_region="us-east-1",
        target_region="us-west-2",
        checked_at=clock.now(),
        checks=[],
    )


def silent(region: str) -> bool:
    return False


def planned(**changes: object) -> RunbookInput:
    return RunbookInput.model_validate({"incident_id": "drill-planned-switchover", "mode": "planned"} | changes)


@pytest.fixture
def run(plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag) -> Run:
    """A planned switchover from us-east-1 to us-west-2, as plan_run decides it on the seeded fakes."""
    return plan_run(planned(), plan, database=database, lag=lag, primary_answers=answers)


@pytest.fixture
def failover(run: Run) -> Run:
    return run.model_copy(update={"mode": "unplanned", "strategy": "failover", "rpo_seconds": 0.85})


# --- plan_run --------------------------------------------------------------------------------------------------------


def test_a_planned_run_switches_over_to_the_secondary_when_the_primary_answers(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = plan_run(planned(), plan, database=database, lag=lag, primary_answers=answers)

    assert (run.strategy, run.source_region, run.target_region) == ("switchover", "us-east-1", "us-west-2")
    assert run.rpo_seconds == 0.0


def test_a_planned_run_fails_over_when_the_primary_does_not_answer(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = plan_run(planned(), plan, database=database, lag=lag, primary_answers=silent)

    assert run.strategy == "failover"
    assert run.rpo_seconds == 0.85


def test_an_unplanned_run_fails_over_even_when_the_primary_answers(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    run = plan_run(planned(mode="unplanned"), plan, database=database, lag=lag, primary_answers=answers)

    assert run.strategy == "failover"
    assert run.rpo_seconds == 0.85


def test_a_run_without_a_target_goes_to_the_region_that_does_not_write(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    database.writer_region = "us-west-2"

    run = plan_run(planned(), plan, database=database, lag=lag, primary_answers=answers)

    assert (run.source_region, run.target_region) == ("us-west-2", "us-east-1")


def test_a_run_to_the_region_that_already_writes_is_refused(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    with pytest.raises(AlreadyActiveError, match="us-east-1 already holds the writer"):
        plan_run(planned(target_region="us-east-1"), plan, database=database, lag=lag, primary_answers=answers)


def test_a_run_to_a_region_outside_the_plan_is_refused(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag
) -> None:
    with pytest.raises(PlanError, match="eu-west-1"):
        plan_run(planned(target_region="eu-west-1"), plan, database=database, lag=lag, primary_answers=answers)


def test_a_run_counts_from_the_first_alarm_when_there_was_one(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag, frozen_clock: FrozenClock
) -> None:
    first_alarm = frozen_clock.now() - timedelta(minutes=2)

    run = plan_run(planned(detected_at=first_alarm), plan, database=database, lag=lag, primary_answers=answers)

    assert (run.detected_at, run.started_at) == (first_alarm, frozen_clock.now())


def test_a_drill_without_an_alarm_counts_from_its_start(
    plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag, frozen_clock: FrozenClock
) -> None:
    run = plan_run(planned(), plan, database=database, lag=lag, primary_answers=answers)

    assert run.detected_at == run.started_at == frozen_clock.now()


# --- preflight -------------------------------------------------------------------------------------------------------


def test_preflight_passes_when_the_target_is_ready(
    run: Run,
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    target_endpoints: FakeEndpoints,
    records: FakeWeightedRecords,
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
    records: FakeWeightedRecords,
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
    records: FakeWeightedRecords,
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


def test_the_first_database_poll_waits_the_expected_promotion_time(
    run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    poll = promote_database(run, plan, database=database)

    assert poll.wait_seconds == plan.expectations.database_promotion_seconds


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


# --- scale_inference / check_inference -------------------------------------------------------------------------------


def test_scaling_raises_the_autoscaling_floor_and_the_instance_count_to_active_capacity(
    run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints, autoscaling: FakeAutoscaling
) -> None:
    scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)

    assert autoscaling.floors == {"fraud-scoring-xgb": 4}
    assert target_endpoints.endpoints["fraud-scoring-xgb"].desired_instances == 4


def test_scaling_again_while_the_endpoint_updates_changes_nothing(
    run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints, autoscaling: FakeAutoscaling
) -> None:
    # GIVEN a scale-up in flight (the fake refuses updates to an Updating endpoint, as SageMaker does)
    scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)

    scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)

    assert target_endpoints.endpoints["fraud-scoring-xgb"] == EndpointState("fraud-scoring-xgb", "Updating", 1, 4)


def test_scaling_an_endpoint_already_at_capacity_leaves_it_serving(
    run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints, autoscaling: FakeAutoscaling
) -> None:
    target_endpoints.endpoints["fraud-scoring-xgb"] = EndpointState("fraud-scoring-xgb", "InService", 4, 4)

    scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)

    assert target_endpoints.endpoints["fraud-scoring-xgb"].status == "InService"


def test_scaling_a_missing_endpoint_fails_preflight(
    run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints, autoscaling: FakeAutoscaling
) -> None:
    target_endpoints.endpoints.clear()

    with pytest.raises(PreflightFailedError, match="fraud-scoring-xgb does not exist in us-west-2"):
        scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)


def test_the_first_inference_poll_waits_the_expected_scale_up_time(
    run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints, autoscaling: FakeAutoscaling
) -> None:
    poll = scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)

    assert (poll.done, poll.wait_seconds) == (False, plan.expectations.endpoint_scale_up_seconds)


def test_the_inference_poll_is_not_done_while_the_endpoint_updates(
    run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints, autoscaling: FakeAutoscaling
) -> None:
    started = scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)

    polled = check_inference(run, plan, started, endpoints=target_endpoints, autoscaling=autoscaling)

    assert (polled.done, polled.attempt, polled.detail["ready"]) == (False, 1, {})


def test_the_inference_poll_is_done_once_every_endpoint_serves_at_capacity(
    run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    frozen_clock: FrozenClock,
) -> None:
    started = scale_inference(run, plan, endpoints=target_endpoints, autoscaling=autoscaling)
    frozen_clock.advance(360)
    target_endpoints.finish_updates()

    polled = check_inference(run, plan, started, endpoints=target_endpoints, autoscaling=autoscaling)

    assert (polled.done, polled.ended_at) == (True, frozen_clock.now())
    assert polled.detail["ready"] == {"fraud-scoring-xgb": 4}


# --- shift_dns / check_dns -------------------------------------------------------------------------------------------


def test_shifting_dns_sends_all_traffic_to_the_target(
    run: Run, plan: RecoveryPlan, records: FakeWeightedRecords
) -> None:
    poll = shift_dns(run, plan, records=records)

    assert records.current == TARGET_WEIGHTS
    assert (poll.done, poll.ref, poll.wait_seconds) == (False, "/change/C1", plan.expectations.dns_propagation_seconds)


def test_shifting_dns_makes_no_change_when_the_weights_are_already_right(
    run: Run, plan: RecoveryPlan, records: FakeWeightedRecords
) -> None:
    records.current = dict(TARGET_WEIGHTS)

    poll = shift_dns(run, plan, records=records)

    assert records.changes == []
    assert (poll.done, poll.ref, poll.detail["already"]) == (True, None, True)


def test_the_dns_poll_is_not_done_until_the_change_propagates(
    run: Run, plan: RecoveryPlan, records: FakeWeightedRecords
) -> None:
    started = shift_dns(run, plan, records=records)

    assert not check_dns(plan, started, records=records).done


def test_the_dns_poll_is_done_once_the_change_is_insync(
    run: Run, plan: RecoveryPlan, records: FakeWeightedRecords
) -> None:
    started = shift_dns(run, plan, records=records)
    records.propagate()

    assert check_dns(plan, started, records=records).done


# --- verify ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def recovered(run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase, records: FakeWeightedRecords) -> Poll:
    """The target writes and DNS sends it all traffic; returns the finished DNS poll."""
    promote_database(run, plan, database=database)
    database.complete()
    records.current = dict(TARGET_WEIGHTS)
    return shift_dns(run, plan, records=records)


def test_verification_proves_the_target_writes_serves_and_receives_traffic(
    run: Run,
    plan: RecoveryPlan,
    recovered: Poll,
    database: FakeGlobalDatabase,
    canary: FakeCanary,
    records: FakeWeightedRecords,
) -> None:
    verification = verify(run, plan, recovered, database=database, canary=canary, records=records)

    assert (verification.writer_region, verification.dns_region) == ("us-west-2", "us-west-2")
    assert verification.weights == TARGET_WEIGHTS
    assert [(c.endpoint, c.ok, c.limit_ms) for c in verification.canaries] == [("fraud-scoring-xgb", True, 500)]


def test_verification_fails_when_the_target_does_not_write(
    run: Run,
    plan: RecoveryPlan,
    recovered: Poll,
    database: FakeGlobalDatabase,
    canary: FakeCanary,
    records: FakeWeightedRecords,
) -> None:
    database.writer_region = "us-east-1"

    with pytest.raises(VerificationFailedError, match="writer is in us-east-1, not us-west-2"):
        verify(run, plan, recovered, database=database, canary=canary, records=records)


def test_verification_fails_when_a_canary_answers_slower_than_its_limit(
    run: Run,
    plan: RecoveryPlan,
    recovered: Poll,
    database: FakeGlobalDatabase,
    canary: FakeCanary,
    records: FakeWeightedRecords,
) -> None:
    canary.latency_ms = 501.0

    with pytest.raises(VerificationFailedError, match=r"canary fraud-scoring-xgb: answered in 501 ms \(limit 500 ms\)"):
        verify(run, plan, recovered, database=database, canary=canary, records=records)


def test_verification_fails_when_a_canary_gets_no_answer(
    run: Run,
    plan: RecoveryPlan,
    recovered: Poll,
    database: FakeGlobalDatabase,
    canary: FakeCanary,
    records: FakeWeightedRecords,
) -> None:
    canary.ok, canary.detail = False, "ValidationError: endpoint not serving"

    with pytest.raises(VerificationFailedError, match="canary fraud-scoring-xgb: ValidationError"):
        verify(run, plan, recovered, database=database, canary=canary, records=records)


def test_verification_fails_when_dns_still_sends_traffic_to_the_source(
    run: Run,
    plan: RecoveryPlan,
    recovered: Poll,
    database: FakeGlobalDatabase,
    canary: FakeCanary,
    records: FakeWeightedRecords,
) -> None:
    records.current = {"fraud-scoring-use1": 100, "fraud-scoring-usw2": 0}

    with pytest.raises(VerificationFailedError, match="DNS weights are"):
        verify(run, plan, recovered, database=database, canary=canary, records=records)


def test_verification_fails_while_the_dns_change_is_still_pending(
    run: Run,
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    canary: FakeCanary,
    records: FakeWeightedRecords,
) -> None:
    # GIVEN the target writes and DNS weights point at it, but the change has not reached every name server
    promote_database(run, plan, database=database)
    database.complete()
    pending = shift_dns(run, plan, records=records)

    with pytest.raises(VerificationFailedError, match=r"not INSYNC"):
        verify(run, plan, pending, database=database, canary=canary, records=records)


# --- next_wait -------------------------------------------------------------------------------------------------------


def test_a_poll_sleeps_until_the_change_is_expected_to_be_done(frozen_clock: FrozenClock) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=20))

    assert next_wait(poll, "inference", 360) == 340


@pytest.mark.parametrize("kind", sorted(POLL_FLOOR))
def test_an_overdue_change_is_polled_at_the_floor_interval(kind: str, frozen_clock: FrozenClock) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=400))

    assert next_wait(poll, kind, 360) == POLL_FLOOR[kind]


def test_a_poll_never_sleeps_less_than_the_floor_even_just_before_the_expected_time(frozen_clock: FrozenClock) -> None:
    poll = Poll(started_at=frozen_clock.now() - timedelta(seconds=59))

    assert next_wait(poll, "database", 60) == POLL_FLOOR["database"]
