"""RPO observed, not assumed: the local cloud's write workload on Aurora's writer says what a drill's move lost, and
the drill report sets it beside the estimate evac recorded."""

from __future__ import annotations

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill import run_drill

pytestmark = pytest.mark.e2e


def test_a_primary_outage_loses_the_writes_in_flight_and_stays_within_the_rpo_budget() -> None:
    report = run_drill("primary-outage")

    assert report.strategy == "failover"
    assert report.rpo_observed_seconds is not None
    assert 0 < report.rpo_observed_seconds <= load_plan(DEFAULT_PLAN).rpo_budget_seconds
    assert report.rpo_estimate_seconds == report.rpo_seconds
    assert report.rpo_error_seconds == pytest.approx(report.rpo_estimate_seconds - report.rpo_observed_seconds)
    assert abs(report.rpo_error_seconds) < 0.1  # the lag read back: within one write of what was lost
    assert next(c for c in report.checks if c.name == "rpo_observed").ok
    assert report.expected, [c for c in report.checks if not c.ok]


def test_a_planned_switchover_is_observed_to_lose_nothing() -> None:
    report = run_drill("planned-switchover")

    assert report.strategy == "switchover"
    assert report.rpo_observed_seconds == 0
    assert report.rpo_error_seconds == 0
    assert report.expected, [c for c in report.checks if not c.ok]
