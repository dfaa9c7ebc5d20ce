"""One message per incident decision: every alarm change of an incident has its own watch, and the first watch to
decide tells people, naming every alarm that took part (two alarms of a two-alarm quorum: one message, not two)."""

from __future__ import annotations

import pytest

from evacops.drill import run_drill

pytestmark = pytest.mark.e2e


def test_a_held_back_failover_is_told_once_naming_every_alarm_that_took_part() -> None:
    # GIVEN the secondary alarming when both of the primary's alarms fire: two watches, both held back
    report = run_drill("secondary-also-alarming")

    told = [m for m in report.notifications if "alarming too" in m]
    assert len(told) == 1, told
    assert "in ALARM on us-east-1: fraud-scoring-inference-5xx, fraud-scoring-health-check" in told[0]


def test_a_started_failover_is_told_once_naming_the_alarms_that_held() -> None:
    report = run_drill("primary-outage")

    told = [m for m in report.notifications if "failing over to us-west-2" in m]
    assert len(told) == 1, told
    assert all(signal.name in told[0] for signal in report.detected_by)
    assert f"(runbook {report.incident_id})" in told[0]
