"""Traffic follows the capacity of every serving kind, not only the endpoints': on the rag-gpu-fleet plan with
``dns.shift.policy: follow-capacity``, DNS gives the target its first share before the GPU fleet (an Auto Scaling
group whose new instances take ``asg_instance_start`` to serve) is full only when the fleet's warm standby serves the
plan's minimum share, and never more than the least share any endpoint, ECS service or Auto Scaling group serves.

Ground truth: each DNS change as the Route 53 fidelity recorded it, with what the target's endpoints, services and
groups served at that moment read from moto's backends as the change was submitted (``Route53Propagation.observe``),
never evac's own view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from evac.domain.plan import load_plan
from evac.domain.plan_resources import AutoScalingGroup, EcsService
from evacops.cloud import local_cloud
from evacops.drill.scenarios import SCENARIOS, Options
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.localcloud.deploy import ACCOUNT
from evacops.localcloud.seed_kinds import resource_states
from tests.e2e.conftest import FLEET_PLAN

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e
TARGET = "us-west-2"
FLEET = "rag-assistant-embed-gpu"


@dataclass(frozen=True)
class Change:
    """One change of the plan's record: the target's share of traffic, and each thing that serves it with the share
    (percent) of its active capacity that served in the target when the change was submitted."""

    at: float
    share: int
    serving: dict[str, int]

    @property
    def least(self) -> int:
        return min(self.serving.values())


def _percent(serving: int, active: int) -> int:
    return min(100, 100 * serving // active)


def serving_now(cloud: LocalCloud) -> dict[str, int]:
    """What the target serves, from moto's backends: each endpoint's instances InService, each ECS service's tasks
    running and healthy, each Auto Scaling group's instances InService and healthy, over the plan's active count."""
    plan = cloud.plan
    found = {e["name"]: e for e in cloud.endpoints() if e["region"] == TARGET}
    shares = {
        e.name: _percent(found[e.name]["instances"] if found[e.name]["status"] in ("InService", "Updating") else 0,
                         e.active_instances)
        for e in plan.inference.endpoints
    }  # fmt: skip
    states = resource_states(plan, TARGET, ACCOUNT)
    for resource in plan.resources:
        state = states[resource.name]
        if isinstance(resource, EcsService):
            shares[resource.name] = _percent(min(state["running"], state["healthy"]), resource.active_count)
        elif isinstance(resource, AutoScalingGroup):
            shares[resource.name] = _percent(min(state["in_service"], state["healthy"]), resource.active_capacity)
    return shares


def fail_over(plan: RecoveryPlan) -> list[Change]:
    """A primary outage played to its end on ``plan``; every change of its record, with what served at the time."""
    seen: dict[str, dict[str, int]] = {}
    with local_cloud(plan) as cloud:
        world = cloud.route53.observe

        def observe() -> dict[str, Any]:
            found = world() if world else {}
            seen[str(len(cloud.route53.history))] = serving_now(cloud)
            return found

        cloud.route53.observe = observe
        SCENARIOS["primary-outage"].play(cloud, Options())
        cloud.quiesce()
        history = list(cloud.route53.history)
    dns, weights, changes = plan.dns, {}, []
    for index, entry in enumerate(history):
        for record_set in (c["ResourceRecordSet"] for c in entry["changes"]):
            if record_set["Name"].rstrip(".") == dns.record_name.rstrip("."):
                weights[record_set["SetIdentifier"]] = int(record_set["Weight"])
        if str(index) in seen:  # a change made during the run (the seed's came before it was observed)
            share = math.floor(100 * weights.get(dns.set_identifiers[TARGET], 0) / sum(weights.values()))
            changes.append(Change(float(entry["submitted"]), share, seen[str(index)]))
    return changes


def with_fleet_standby(plan: RecoveryPlan, instances: int) -> RecoveryPlan:
    resources = [r.model_copy(update={"standby_capacity": instances}) if r.name == FLEET else r for r in plan.resources]
    return plan.model_copy(update={"resources": resources})


@pytest.fixture(scope="module")
def plan() -> RecoveryPlan:
    return derive(load_plan(FLEET_PLAN), shift=FOLLOW_CAPACITY)


def test_traffic_moves_before_the_gpu_fleet_is_full_when_its_warm_share_serves_the_minimum(plan: RecoveryPlan) -> None:
    # GIVEN the fleet plan following capacity: the fleet keeps 1 of 4 instances warm (25%, the minimum share), the
    # ECS service 2 of 6 (33%), the endpoint 1 of 2 (50%)
    # WHEN the primary fails
    changes = fail_over(plan)

    # THEN the first share moves while the fleet still launches, and no change gives the target more traffic than
    # the least of what serves there: 25%, not the endpoint's 50%
    moved = [c for c in changes if c.share > 0]
    assert moved, changes
    first = moved[0]
    assert first.serving[FLEET] < 100, first
    assert first.share == 25, first
    assert [c for c in changes if c.share > c.least] == []
    assert (moved[-1].share, moved[-1].least) == (100, 100)


def test_traffic_waits_for_a_serving_resource_below_the_minimum_share(plan: RecoveryPlan) -> None:
    # GIVEN the same plan with no fleet instance warm: the fleet serves nothing in the target until it launches
    cold = with_fleet_standby(plan, 0)

    # WHEN the primary fails
    changes = fail_over(cold)

    # THEN DNS gives the target nothing until the fleet serves at least the minimum share, and never more than the
    # least of what serves
    moved = [c for c in changes if c.share > 0]
    assert moved, changes
    assert moved[0].serving[FLEET] >= 25, moved[0]
    assert [c for c in changes if c.share > c.least] == []
