"""Moving traffic (``evac.domain.traffic``) on in-memory fakes: how much the target's InService capacity can take, the
DNS move and its poll, the ramp when traffic follows capacity, and the verification of each move."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evac.domain.models import RunbookInput
from evac.domain.plan import Shift
from evac.domain.polling import POLL_FLOOR
from evac.domain.ports import EndpointState, Reachability
from evac.domain.runbook import plan_run, promote_database
from evac.domain.traffic import allowed_weight, capacity_share, check_dns, shift_dns, verify
from evac.errors import VerificationFailedError
from tests.fakes.inference import FakeEndpoints
from tests.fakes.ledger import FakeRunLedger

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import Poll, Run
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.clock import FrozenClock
    from tests.fakes.database import FakeGlobalDatabase, FakeReplicationLag
    from tests.fakes.dns import FakeRecordWeights
    from tests.fakes.inference import FakeCanaryInvoker

pytestmark = pytest.mark.usefixtures("frozen_clock")

XGB = "fraud-scoring-xgb"
TARGET, SOURCE = "fraud-scoring-usw2", "fraud-scoring-use1"
ALL_TO_TARGET = {TARGET: 100, SOURCE: 0}
FOLLOW = Shift(policy="follow-capacity", minimum_share=0.25, step=0.25)


def following(plan: RecoveryPlan, shift: Shift = FOLLOW) -> RecoveryPlan:
    return plan.model_copy(update={"dns": plan.dns.model_copy(update={"shift": shift})})


@pytest.fixture
def run(plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag) -> Run:
    """An unplanned failover from us-east-1 to us-west-2, as plan_run decides it on the seeded fakes."""
    request = {"incident_id": "drill-unplanned-failover", "mode": "unplanned"}
    return plan_run(
        RunbookInput.model_validate(request),
        plan,
        database=database,
        lag=lag,
        probe=lambda region: Reachability(answers=False),
        ledger=FakeRunLedger(),
    )


@pytest.fixture
def scaling(target_endpoints: FakeEndpoints) -> FakeEndpoints:
    """The target's endpoint scaling from its warm standby (1 instance) to 4."""
    target_endpoints.set_instances(XGB, "AllTraffic", 4)
    return target_endpoints


# --- how much traffic capacity can take -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "scale_then_shift", "follow"),
    [(0, 0, 0), (24, 0, 0), (25, 0, 25), (49, 0, 25), (50, 0, 50), (99, 0, 75), (100, 100, 100)],
)
def test_the_policy_decides_the_weight_the_capacity_allows(capacity: int, scale_then_shift: int, follow: int) -> None:
    assert allowed_weight(Shift(), capacity) == scale_then_shift
    assert allowed_weight(FOLLOW, capacity) == follow


def test_steps_count_from_the_minimum_share() -> None:
    shift = Shift(policy="follow-capacity", minimum_share=0.3, step=0.25)

    assert [allowed_weight(shift, c) for c in (29, 30, 54, 55, 80, 99, 100)] == [0, 30, 30, 55, 80, 80, 100]


@given(
    capacity=st.integers(0, 100),
    minimum=st.integers(1, 100),
    step=st.integers(1, 100),
)
def test_the_target_never_gets_more_traffic_than_its_capacity_can_take(capacity: int, minimum: int, step: int) -> None:
    shift = Shift(policy="follow-capacity", minimum_share=minimum / 100, step=step / 100)

    allowed = allowed_weight(shift, capacity)

    assert 0 <= allowed <= capacity
    assert allowed in (0, 100) or (allowed >= minimum and (allowed - minimum) % step == 0)
    assert allowed_weight(shift, min(capacity + 1, 100)) >= allowed  # more capacity never means less traffic


def test_capacity_is_the_least_provisioned_endpoints_share_in_service(many: RecoveryPlan) -> None:
    endpoints = FakeEndpoints(
        {
            XGB: EndpointState(XGB, "InService", 4, 4),
            f"{XGB}-02": EndpointState(f"{XGB}-02", "Updating", 3, 4),
            f"{XGB}-03": EndpointState(f"{XGB}-03", "Updating", 2, 4),
        }
    )

    assert capacity_share(many, endpoints=endpoints) == 50


def test_an_endpoint_that_is_not_serving_gives_no_capacity(plan: RecoveryPlan, target_endpoints: FakeEndpoints) -> None:
    target_endpoints.endpoints[XGB] = EndpointState(XGB, "Failed", 1, 4)

    assert capacity_share(plan, endpoints=target_endpoints) == 0


# --- scale-then-shift -------------------------------------------------------------------------------------------------


def test_all_traffic_moves_once_every_endpoint_serves_at_capacity(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights
) -> None:
    scaling.finish_updates()

    poll = shift_dns(run, plan, None, records=records, endpoints=scaling)

    assert records.current == ALL_TO_TARGET
    assert (poll.done, poll.ref, poll.wait_seconds) == (
        False,
        "/change/C1",
        plan.expectations.dns_propagation_seconds / 2,
    )
    assert (poll.detail["raised"], poll.detail["weight"]) == (True, 100)


def test_no_traffic_moves_below_full_capacity_by_default(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights
) -> None:
    scaling.serve(XGB, 3)

    poll = shift_dns(run, plan, None, records=records, endpoints=scaling)

    assert records.changes == []
    assert (poll.detail["raised"], poll.detail["capacity"]) == (False, 75)


def test_shifting_again_after_the_move_finds_it_made_and_changes_nothing(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights
) -> None:
    scaling.finish_updates()
    records.current = dict(ALL_TO_TARGET)

    poll = shift_dns(run, plan, None, records=records, endpoints=scaling)

    assert records.changes == []
    assert (poll.done, poll.ref, poll.detail["raised"], poll.detail["weight"]) == (True, None, True, 100)


# --- follow-capacity --------------------------------------------------------------------------------------------------


def test_the_warm_standby_takes_the_minimum_share_at_once(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights
) -> None:
    poll = shift_dns(run, following(plan), None, records=records, endpoints=scaling)

    assert records.current == {TARGET: 25, SOURCE: 75}
    assert (poll.detail["raised"], poll.detail["weight"], poll.detail["capacity"]) == (True, 25, 25)


def test_the_share_rises_step_by_step_as_instances_come_into_service(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights
) -> None:
    ramp = following(plan)
    moved = [shift_dns(run, ramp, None, records=records, endpoints=scaling)]
    for instances in (2, 3, 4):
        scaling.serve(XGB, instances)
        moved.append(shift_dns(run, ramp, moved[-1], records=records, endpoints=scaling))

    assert [change[TARGET] for change in records.changes] == [25, 50, 75, 100]
    assert all(p.detail["weight"] <= p.detail["capacity"] for p in moved)


def test_without_new_capacity_the_ramp_waits_until_the_first_new_instance_is_expected(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights, frozen_clock: FrozenClock
) -> None:
    ramp = following(plan)
    first = shift_dns(run, ramp, None, records=records, endpoints=scaling)
    frozen_clock.advance(100)  # 100 s into the run: the first new instance is expected at 240 s

    waiting = shift_dns(run, ramp, first, records=records, endpoints=scaling)

    assert (waiting.detail["raised"], waiting.detail["rounds"]) == (False, 1)
    assert waiting.wait_seconds == 140
    assert waiting.check_at == frozen_clock.now() + timedelta(seconds=140)


def test_once_instances_are_due_the_ramp_looks_at_the_floor_interval_counting_rounds(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights, frozen_clock: FrozenClock
) -> None:
    ramp = following(plan)
    previous = shift_dns(run, ramp, None, records=records, endpoints=scaling)
    frozen_clock.advance(300)
    for _ in range(3):
        previous = shift_dns(run, ramp, previous, records=records, endpoints=scaling)

    assert (previous.wait_seconds, previous.detail["rounds"]) == (POLL_FLOOR["capacity"], 3)


def test_a_standby_below_the_minimum_share_moves_nothing_until_capacity_arrives(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights
) -> None:
    ramp = following(plan, Shift(policy="follow-capacity", minimum_share=0.5, step=0.25))

    before = shift_dns(run, ramp, None, records=records, endpoints=scaling)
    scaling.serve(XGB, 2)
    after = shift_dns(run, ramp, before, records=records, endpoints=scaling)

    assert (before.detail["raised"], after.detail["raised"]) == (False, True)
    assert [change[TARGET] for change in records.changes] == [50]


# --- check_dns --------------------------------------------------------------------------------------------------------


def test_the_dns_poll_is_not_done_until_the_change_propagates(
    run: Run, plan: RecoveryPlan, scaling: FakeEndpoints, records: FakeRecordWeights
) -> None:
    scaling.finish_updates()
    started = shift_dns(run, plan, None, records=records, endpoints=scaling)

    assert not check_dns(run, plan, started, records=records).done
    records.propagate()
    assert check_dns(run, plan, started, records=records).done


# --- verify -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def promoted(run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase) -> FakeGlobalDatabase:
    promote_database(run, plan, database=database)
    database.complete()
    return database


def moved(
    run: Run, plan: RecoveryPlan, endpoints: FakeEndpoints, records: FakeRecordWeights, previous: Poll | None
) -> Poll:
    """Shift, and let the change propagate: the DNS poll as CheckDns leaves it, INSYNC."""
    poll = shift_dns(run, plan, previous, records=records, endpoints=endpoints)
    records.propagate()
    return check_dns(run, plan, poll, records=records)


def test_verification_proves_the_target_writes_serves_and_receives_traffic(
    run: Run,
    plan: RecoveryPlan,
    promoted: FakeGlobalDatabase,
    scaling: FakeEndpoints,
    canary: FakeCanaryInvoker,
    records: FakeRecordWeights,
) -> None:
    scaling.finish_updates()
    dns = moved(run, plan, scaling, records, None)

    verification = verify(run, plan, dns, None, database=promoted, canary=canary, records=records, endpoints=scaling)

    assert (verification.writer_region, verification.dns_region) == ("us-west-2", "us-west-2")
    assert (verification.weights, verification.weight, verification.capacity) == (ALL_TO_TARGET, 100, 100)
    assert [(c.endpoint, c.ok, c.limit_ms) for c in verification.canaries] == [(XGB, True, 500)]
    assert [(s.weight, s.insync_at) for s in verification.steps] == [(100, dns.ended_at)]


def test_each_verified_move_of_a_ramp_is_kept_and_the_first_ends_the_rto(
    run: Run,
    plan: RecoveryPlan,
    promoted: FakeGlobalDatabase,
    scaling: FakeEndpoints,
    canary: FakeCanaryInvoker,
    records: FakeRecordWeights,
    frozen_clock: FrozenClock,
) -> None:
    ramp = following(plan)
    first_dns = moved(run, ramp, scaling, records, None)
    first = verify(run, ramp, first_dns, None, database=promoted, canary=canary, records=records, endpoints=scaling)
    frozen_clock.advance(240)
    scaling.serve(XGB, 2)
    second_dns = moved(run, ramp, scaling, records, first_dns)

    second = verify(run, ramp, second_dns, first, database=promoted, canary=canary, records=records, endpoints=scaling)

    assert [(s.weight, s.capacity) for s in second.steps] == [(25, 25), (50, 50)]
    assert second.recovered_at == first.ended_at
    assert second.weights == {TARGET: 50, SOURCE: 50}


@pytest.mark.parametrize(
    ("breaks", "message"),
    [
        (lambda f: setattr(f["database"], "writer_region", "us-east-1"), "writer is in us-east-1, not us-west-2"),
        (lambda f: setattr(f["canary"], "latency_ms", 501.0), r"canary fraud-scoring-xgb: answered in 501 ms"),
        (
            lambda f: (setattr(f["canary"], "ok", False), setattr(f["canary"], "detail", "ValidationError")),
            "canary fraud-scoring-xgb: ValidationError",
        ),
        (lambda f: setattr(f["records"], "current", {SOURCE: 100, TARGET: 0}), "DNS weights are"),
        (lambda f: f["endpoints"].serve(XGB, 3), "InService capacity takes 75% of traffic, DNS sends it 100%"),
    ],
    ids=["not-the-writer", "slow-canary", "canary-no-answer", "dns-elsewhere", "capacity-lost"],
)
def test_verification_fails_naming_what_does_not_serve(
    run: Run,
    plan: RecoveryPlan,
    promoted: FakeGlobalDatabase,
    scaling: FakeEndpoints,
    canary: FakeCanaryInvoker,
    records: FakeRecordWeights,
    breaks: Callable[[dict[str, Any]], object],
    message: str,
) -> None:
    scaling.finish_updates()
    dns = moved(run, plan, scaling, records, None)
    breaks({"database": promoted, "canary": canary, "records": records, "endpoints": scaling})

    with pytest.raises(VerificationFailedError, match=message):
        verify(run, plan, dns, None, database=promoted, canary=canary, records=records, endpoints=scaling)


def test_verification_fails_while_the_dns_change_is_still_pending(
    run: Run,
    plan: RecoveryPlan,
    promoted: FakeGlobalDatabase,
    scaling: FakeEndpoints,
    canary: FakeCanaryInvoker,
    records: FakeRecordWeights,
) -> None:
    scaling.finish_updates()
    pending = shift_dns(run, plan, None, records=records, endpoints=scaling)

    with pytest.raises(VerificationFailedError, match=r"not INSYNC"):
        verify(run, plan, pending, None, database=promoted, canary=canary, records=records, endpoints=scaling)
