"""A capacity fallback deregisters the endpoint's scalable target (SageMaker refuses to change the instance type of
a registered variant) and registers it again once the endpoint serves. Its scaling policies are saved in the runs
table first, so a step that dies in between loses nothing: the next check, or a rerun's scale-up, puts them back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from evac.domain.fallback import out_of_capacity
from evac.domain.ports import EndpointState
from evac.domain.runbook import check_endpoint, scale_endpoint
from tests.fakes.inference import FakeAutoscaling, FakeEndpoints

if TYPE_CHECKING:
    from evac.domain.models import Poll, Run
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.clock import FrozenClock
    from tests.fakes.ledger import FakeSavedScaling

pytestmark = pytest.mark.usefixtures("frozen_clock")
XGB = "fraud-scoring-xgb"
POLICIES = ["invocations-per-instance"]


class LambdaDiedError(Exception):
    """The step's Lambda ended (timeout, out of memory) in the middle of its work."""


@dataclass
class DyingAutoscaling(FakeAutoscaling):
    """Application Auto Scaling whose caller dies right after its variant is deregistered."""

    def deregister(self, endpoint: str, variant: str) -> None:
        super().deregister(endpoint, variant)
        raise LambdaDiedError("Task timed out after 30.00 seconds")


@dataclass
class DyingEndpoints(FakeEndpoints):
    """SageMaker endpoints whose caller dies right after it started the fallback's update."""

    def use_instance_type(self, endpoint: str, variant: str, instance_type: str, instances: int) -> str:
        super().use_instance_type(endpoint, variant, instance_type, instances)
        raise LambdaDiedError("Task timed out after 30.00 seconds")


@pytest.fixture
def scaled(
    failover_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> Poll:
    """GIVEN the target endpoint has a target-tracking policy, and its scale-up rolled back for lack of capacity."""
    autoscaling.policies[XGB] = list(POLICIES)
    target_endpoints.no_capacity.add("ml.g4dn.xlarge")
    poll = scale_endpoint(
        failover_run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    frozen_clock.advance(360)
    target_endpoints.finish_updates()
    assert target_endpoints.endpoints[XGB].failure_reason
    return poll


def poll_until_served(run: Run, plan: RecoveryPlan, poll: Poll, endpoints: FakeEndpoints, **ports: Any) -> Poll:
    """Play the AwaitEndpoints loop: check, let the fallback's update finish, check again."""
    for _ in range(3):
        poll = check_endpoint(run, plan, poll, endpoints=endpoints, **ports)
        if poll.done:
            return poll
        endpoints.finish_updates()
    raise AssertionError(f"not served: {endpoints.endpoints[XGB]}")


def test_policies_are_saved_in_the_runs_table_before_the_target_is_deregistered(
    failover_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    scaled: Poll,
) -> None:
    dying = DyingAutoscaling(autoscaling.floors, autoscaling.policies)
    target_endpoints.scaling = dying

    with pytest.raises(LambdaDiedError):
        check_endpoint(failover_run, plan, scaled, endpoints=target_endpoints, autoscaling=dying, saved=saved_scaling)

    assert XGB not in autoscaling.policies  # deregistering deleted them in Application Auto Scaling...
    assert saved_scaling.saved[XGB]["policies"] == POLICIES  # ...and the runs table kept them


def test_the_next_check_restores_the_policies_when_the_step_died_after_deregistering(
    failover_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    scaled: Poll,
) -> None:
    # GIVEN the check that falls back dies right after deregistering the scalable target: its poll is lost
    dying = DyingAutoscaling(autoscaling.floors, autoscaling.policies)
    target_endpoints.scaling = dying
    with pytest.raises(LambdaDiedError):
        check_endpoint(failover_run, plan, scaled, endpoints=target_endpoints, autoscaling=dying, saved=saved_scaling)
    target_endpoints.scaling = autoscaling

    # WHEN the runbook retries the check with the poll it had, and polls on until the endpoint serves
    done = poll_until_served(failover_run, plan, scaled, target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    # THEN it serves on the fallback type with its autoscaling back: floor, and the policies it had
    assert target_endpoints.instance_types[XGB] == "ml.g4dn.2xlarge"
    assert (autoscaling.floors[XGB], autoscaling.policies[XGB]) == (4, POLICIES)
    assert done.detail["suspended"] is None
    assert saved_scaling.saved == {}  # nothing left waiting to be put back


def test_the_check_that_sees_the_endpoint_serve_restores_the_policies_when_the_fallbacks_poll_was_lost(
    failover_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    scaled: Poll,
) -> None:
    # GIVEN the check dies after starting the fallback's update: the next check's poll knows of no fallback
    dying = DyingEndpoints(
        target_endpoints.endpoints, target_endpoints.instance_types, target_endpoints.no_capacity, autoscaling
    )
    with pytest.raises(LambdaDiedError):
        check_endpoint(failover_run, plan, scaled, endpoints=dying, autoscaling=autoscaling, saved=saved_scaling)
    target_endpoints.requested = dying.requested

    done = poll_until_served(failover_run, plan, scaled, target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    assert done.done
    assert target_endpoints.instance_types[XGB] == "ml.g4dn.2xlarge"
    assert (autoscaling.floors[XGB], autoscaling.policies[XGB]) == (4, POLICIES)
    assert saved_scaling.saved == {}


def test_a_reruns_scale_up_restores_the_policies_an_earlier_run_left_saved(
    failover_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    # GIVEN an earlier run's fallback got the endpoint serving, then died before registering it again
    saved_scaling.save_scaling(XGB, "AllTraffic", {"min_capacity": 1, "policies": POLICIES}, "earlier-incident")
    autoscaling.deregister(XGB, "AllTraffic")
    target_endpoints.endpoints[XGB] = EndpointState(XGB, "InService", 4, 4)

    # WHEN a rerun scales it up: done at once, no check follows
    poll = scale_endpoint(
        failover_run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    assert poll.done
    assert (autoscaling.floors[XGB], autoscaling.policies[XGB]) == (4, POLICIES)
    assert saved_scaling.saved == {}


def test_an_endpoint_that_never_fell_back_has_nothing_put_back(
    failover_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> None:
    autoscaling.policies[XGB] = list(POLICIES)
    poll = scale_endpoint(
        failover_run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    frozen_clock.advance(360)
    target_endpoints.finish_updates()

    done = check_endpoint(
        failover_run, plan, poll, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    assert done.done
    assert (autoscaling.floors[XGB], autoscaling.policies[XGB]) == (4, POLICIES)
    assert "instance_type" not in done.detail


def test_a_rollback_that_leaves_no_failure_reason_still_falls_back(
    failover_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> None:
    # GIVEN the scale-up rolled back to the old count and SageMaker said nothing about why
    target_endpoints.no_capacity.add("ml.g4dn.xlarge")
    target_endpoints.silent_rollbacks = True
    poll = scale_endpoint(
        failover_run, plan, XGB, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    frozen_clock.advance(360)
    target_endpoints.finish_updates()
    assert target_endpoints.endpoints[XGB].failure_reason is None

    served = poll_until_served(failover_run, plan, poll, target_endpoints, autoscaling=autoscaling, saved=saved_scaling)

    assert served.detail["instance_type"] == plan.endpoint(XGB).fallback_instance_types[0]


def test_an_endpoint_not_yet_asked_to_scale_is_not_taken_for_a_rollback(
    failover_run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints, frozen_clock: FrozenClock
) -> None:
    state = target_endpoints.endpoints[XGB]

    assert not out_of_capacity(state, failover_run, asked=None)
    assert out_of_capacity(state, failover_run, asked=state.desired_instances + 1)
