"""Outside-in detection on the local cloud: outages played as faults the probes see, never alarm states set by hand."""

from __future__ import annotations

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill import run_drill
from evacops.drill.variants import derive
from evacops.localcloud.faults import Fault

pytestmark = pytest.mark.e2e


def test_region_blackout_is_detected_from_outside_the_dark_region() -> None:
    report = run_drill("region-blackout")

    assert report.expected, [c for c in report.checks if not c.ok]
    assert (report.status, report.executions, report.writer_region) == ("SUCCEEDED", 1, "us-west-2")
    outside = [s for s in report.detected_by if s.lives_in != "us-east-1"]
    assert {(s.lives_in, s.watches) for s in outside} == {("us-west-2", "us-east-1"), ("us-east-2", "us-east-1")}


def test_a_dark_region_with_many_endpoints_is_seen_failing_within_the_probes_timeout() -> None:
    # 25 endpoints that never answer cost 25 probe timeouts of 3 s: one after the other, a round would outlast the
    # probe function's 60 s Timeout and publish nothing, and the blackout would never be detected.
    plan = derive(load_plan(DEFAULT_PLAN), endpoints=25)

    report = run_drill("region-blackout", plan=plan)

    assert report.expected, [c for c in report.checks if not c.ok]
    assert {(s.lives_in, s.watches) for s in report.detected_by if s.lives_in != "us-east-1"} == {
        ("us-west-2", "us-east-1"),
        ("us-east-2", "us-east-1"),
    }


def test_one_vantage_point_losing_the_primary_is_held_back_and_notified() -> None:
    report = run_drill("prober-partition")

    assert report.expected, [c for c in report.checks if not c.ok]
    assert report.executions == 0
    assert any("quorum not met" in n and "seen only from us-east-2" in n for n in report.notifications)


def test_prober_partition_fails_its_verdict_when_the_secondary_loses_the_primary_too() -> None:
    # Negative control: the primary is really gone from both vantage points; the partition's verdict must not hold.
    lost = Fault("timeout", region="us-east-1", caller="ProbeFunction", caller_region="us-west-2", calls=None)

    report = run_drill("prober-partition", faults=[lost])

    assert not report.expected
    assert report.executions == 1


def test_a_gray_failure_above_the_threshold_fails_over_once_detected_by_both_probers() -> None:
    report = run_drill("gray-failure")

    assert report.expected, [c for c in report.checks if not c.ok]
    assert report.executions == 1
    assert {s.lives_in for s in report.detected_by} == {"us-west-2", "us-east-2"}


def test_a_gray_failure_below_the_threshold_starts_nothing() -> None:
    report = run_drill("gray-failure-below-threshold")

    assert report.expected, [c for c in report.checks if not c.ok]
    assert report.executions == 0
    assert report.detected_by == []
