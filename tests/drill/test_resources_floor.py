"""The floor under RTO counts the plan's resources: the promote stage ends with its slowest kind, so a GPU fleet that
takes minutes to launch is physics, not the runbook's overhead."""

from __future__ import annotations

from pathlib import Path

import pytest

from evac.domain.plan import load_plan
from evacops.drill import run_drill
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.localcloud.fidelity import Latencies

pytestmark = pytest.mark.e2e

FLEET = load_plan(Path(__file__).resolve().parents[1] / "plans" / "rag-gpu-fleet.yaml")


def test_the_critical_path_waits_for_the_slowest_resource_when_it_is_slower_than_the_endpoints() -> None:
    # GIVEN the GPU-fleet plan following capacity: DNS needs one more endpoint instance at most (none: a standby
    # serves the minimum share), but the fleet's new instances take asg_instance_start to serve
    plan = derive(FLEET, shift=FOLLOW_CAPACITY)
    table = Latencies()

    # WHEN it fails over
    report = run_drill("primary-outage", plan=plan)

    # THEN the floor is the sustain window, the fleet's launch, then DNS, and the run stays near it
    assert report.status == "SUCCEEDED"
    floor = plan.trigger.sustain_seconds + table.asg_instance_start + table.dns_propagation
    assert report.critical_path_seconds == pytest.approx(floor, abs=0.1)
    assert report.overhead_ratio is not None
    assert report.overhead_ratio < 1.15
