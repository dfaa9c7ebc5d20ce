"""Traffic and capacity on the local cloud: per-endpoint work fans out in Map states, and DNS never sends the target
more traffic than its instances in service can take, whatever the plan's shift policy (principle 2).

Capacity is read from the SageMaker fidelity's history and weights from the Route 53 fidelity's history, both on the
modelled clock: what a user of the application would have seen, not what the runbook says it did.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from evac.aws.warmup import is_warm_up
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.cloud import write_plan
from evacops.drill import run_drill
from evacops.drill.scenarios import fire
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e
TARGET = "us-west-2"


def target_shares(cloud: LocalCloud) -> list[tuple[float, int]]:
    """(modelled time, the target's share of traffic in percent) for every change of the plan's record."""
    dns = cloud.plan.dns
    weights: dict[str, int] = {}
    shares = []
    for change in cloud.route53.history:
        for record_set in (c["ResourceRecordSet"] for c in change["changes"]):
            if record_set["Name"].rstrip(".") == dns.record_name.rstrip("."):
                weights[record_set["SetIdentifier"]] = int(record_set["Weight"])
        to_target = weights.get(dns.set_identifiers[TARGET], 0)
        shares.append((change["submitted"], math.floor(100 * to_target / sum(weights.values()))))
    return shares


def serving_share(cloud: LocalCloud, at: float) -> float:
    """The share of traffic the target's instances in service could take at ``at``: its least-provisioned endpoint."""
    endpoints = cloud.plan.inference.endpoints
    return min(100 * cloud.sagemaker.instances_at(TARGET, e.name, at) / e.active_instances for e in endpoints)


@pytest.fixture
def followed(tmp_path: Path) -> Iterator[LocalCloud]:
    """A primary outage played to its end with a plan whose traffic follows capacity."""
    with LocalCloud(write_plan(derive(load_plan(DEFAULT_PLAN), shift=FOLLOW_CAPACITY), tmp_path)) as cloud:
        fire(cloud, "us-east-1")
        cloud.quiesce()
        yield cloud


@pytest.fixture
def scaled_then_shifted() -> Iterator[LocalCloud]:
    """A primary outage played to its end with the bundled plan (scale fully, then shift)."""
    with LocalCloud(DEFAULT_PLAN) as cloud:
        fire(cloud, "us-east-1")
        cloud.quiesce()
        yield cloud


def test_traffic_that_follows_capacity_never_exceeds_what_instances_in_service_can_take(followed: LocalCloud) -> None:
    shares = target_shares(followed)

    # Every weight, at the moment it was set, against the capacity in service at that moment
    for at, share in shares:
        assert share <= serving_share(followed, at), f"{share}% at {at:.0f} s, capacity {serving_share(followed, at)}%"
    # ... and it did follow capacity: the warm standby's quarter first, while the endpoint still scaled, then more
    moved = [share for _, share in shares[1:]]
    assert moved == sorted(moved)
    assert (moved[0], moved[-1]) == (25, 100)
    assert len(moved) >= 3
    first_move_at = shares[1][0]
    assert serving_share(followed, first_move_at) < 100


def test_scale_then_shift_moves_all_traffic_once_every_instance_is_in_service(scaled_then_shifted: LocalCloud) -> None:
    shares = target_shares(scaled_then_shifted)

    assert [share for _, share in shares] == [0, 100]
    assert serving_share(scaled_then_shifted, shares[1][0]) == 100


def test_traffic_follows_capacity_drill_recovers_before_the_scale_up_ends() -> None:
    report = run_drill("traffic-follows-capacity")

    assert report.expected, [c for c in report.checks if not c.ok]
    assert report.dns_policy == "follow-capacity"
    assert report.rto_seconds is not None
    assert report.full_capacity_seconds is not None
    assert report.rto_seconds < report.full_capacity_seconds
    assert report.traffic[0].share == 25
    assert [p.name for p in report.phases][-1] == "ramp"


def test_every_endpoint_scales_in_its_own_map_iteration_and_is_polled_in_one_task_a_round(tmp_path: Path) -> None:
    # GIVEN a plan with three endpoints
    plan = write_plan(derive(load_plan(DEFAULT_PLAN), endpoints=3), tmp_path)

    with LocalCloud(plan) as cloud:
        fire(cloud, "us-east-1")
        cloud.quiesce()
        invocations = [i for i in cloud.runtime.invocations if not is_warm_up(i.event)]  # the run's own
        calls = Counter(
            (i.function.rsplit("-", 1)[-1], i.event.get("endpoint"))
            for i in invocations
            if i.function.endswith("ScaleEndpointFunction")
        )
        rounds = [i.event["polls"] for i in invocations if i.function.endswith("CheckEndpointFunction")]
        at_target = {e["name"]: (e["status"], e["instances"]) for e in cloud.endpoints() if e["region"] == TARGET}

    names = ["fraud-scoring-xgb", "fraud-scoring-xgb-02", "fraud-scoring-xgb-03"]
    assert at_target == dict.fromkeys(names, ("InService", 4))
    assert {name: calls["ScaleEndpointFunction", name] for name in names} == dict.fromkeys(names, 1)
    assert rounds
    assert all(sorted(p["ref"] for p in polls) == names for polls in rounds)
