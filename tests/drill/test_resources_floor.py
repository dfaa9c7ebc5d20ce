"""The floor under RTO counts the plan's serving resources as DNS waits for them: in full (``scale-then-shift``), or
their minimum share under ``follow-capacity``. A GPU fleet that takes minutes to launch is physics, not the runbook's
overhead, when DNS must wait for it; when its warm standby already serves the minimum share, it is off the path."""

from __future__ import annotations

from pathlib import Path

import pytest

from evac.domain.plan import load_plan
from evacops.drill import run_drill
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.localcloud.fidelity import Latencies

pytestmark = pytest.mark.e2e

FLEET = load_plan(Path(__file__).resolve().parents[1] / "plans" / "rag-gpu-fleet.yaml")
GPU = "rag-assistant-embed-gpu"


def test_the_critical_path_waits_for_a_resource_below_the_minimum_share_when_it_is_slower_than_the_endpoints() -> None:
    # GIVEN the GPU-fleet plan following capacity with no fleet instance warm: DNS needs no new endpoint instance (a
    # standby serves the minimum share), but the fleet's new instances take asg_instance_start to serve
    plan = derive(FLEET, shift=FOLLOW_CAPACITY)
    resources = [r.model_copy(update={"standby_capacity": 0}) if r.name == GPU else r for r in plan.resources]
    plan = plan.model_copy(update={"resources": resources})
    table = Latencies()

    # WHEN it fails over
    report = run_drill("primary-outage", plan=plan)

    # THEN the floor is the sustain window, the fleet's launch, then DNS, and the run stays near it
    assert report.status == "SUCCEEDED"
    floor = plan.trigger.sustain_seconds + table.asg_instance_start + table.dns_propagation
    assert report.critical_path_seconds == pytest.approx(floor, abs=0.1)
    assert report.overhead_ratio is not None
    assert report.overhead_ratio < 1.15


def test_a_warm_standby_at_the_minimum_share_takes_the_resources_off_the_critical_path() -> None:
    # GIVEN the GPU-fleet plan following capacity: the fleet keeps 1 of 4 instances warm (25%, the minimum share), the
    # ECS service 2 of 6, the endpoint 1 of 2
    plan = derive(FLEET, shift=FOLLOW_CAPACITY)
    table = Latencies()

    # WHEN it fails over
    report = run_drill("primary-outage", plan=plan)

    # THEN the floor is the sustain window, the database's promotion, then DNS: traffic follows the fleet's capacity
    assert report.status == "SUCCEEDED"
    floor = plan.trigger.sustain_seconds + table.aurora_failover + table.dns_propagation
    assert report.critical_path_seconds == pytest.approx(floor, abs=0.1)
    assert report.rto_seconds is not None
    assert report.full_capacity_seconds is not None
    assert report.rto_seconds < report.full_capacity_seconds
    assert report.overhead_ratio is not None
    assert report.overhead_ratio < 1.25
