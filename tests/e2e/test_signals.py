"""Signals that cannot be read: the confirmation watch fails closed. Outcomes, not call counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e


def test_a_blip_read_through_a_throttled_describe_alarms_starts_no_failover_and_says_why(
    drilled: dict[str, Drilled],
) -> None:
    # GIVEN the primary's 5xx alarm went ALARM and back to OK within the sustain window, and CloudWatch throttled
    # the watch's DescribeAlarms in us-east-1
    played = drilled["throttled-signals"]
    report = played.report
    throttled = [
        c for c in played.calls if (c.operation, c.region, c.fault) == ("DescribeAlarms", "us-east-1", "throttling")
    ]
    assert throttled, "the watch never met the throttled read: the drill proves nothing"

    # THEN no runbook started: writer and traffic stay in the primary
    assert (report.status, report.executions) == ("SKIPPED", 0)
    assert report.writer_region == report.dns_region == "us-east-1"
    # AND a notification names the alarm, its region and the error, and says it is no evidence
    said = [m for m in report.notifications if "not evidence of failure" in m]
    assert len(said) == 1, report.notifications  # one watch, one held-back decision, one notification
    assert "cannot read alarm fraud-scoring-inference-5xx in us-east-1 (Throttling: Rate exceeded)" in said[0]
    assert report.expected, [c for c in report.checks if not c.ok]
