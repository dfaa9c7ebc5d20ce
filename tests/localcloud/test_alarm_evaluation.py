"""The local cloud's CloudWatch alarm evaluation, as the CloudWatch user guide describes it."""

from __future__ import annotations

import pytest

from evacops.localcloud.fidelity.cloudwatch import evaluate
from evacops.localcloud.fidelity.scheduler import rate_seconds

ALARM = {"statistic": "Average", "comparison": "GreaterThanOrEqualToThreshold", "threshold": 0.5, "datapoints": 2}


@pytest.mark.parametrize(
    ("periods", "treat_missing", "state"),
    [
        ([[0.5], [1.0]], "notBreaching", "ALARM"),
        ([[0.5], [0.0]], "notBreaching", "OK"),  # one breaching period of two: DatapointsToAlarm not met
        ([[0.5], []], "notBreaching", "OK"),  # a dead prober is not a dead region
        ([[0.5], []], "breaching", "ALARM"),
        ([[], []], "missing", "INSUFFICIENT_DATA"),
        ([[], []], "ignore", None),
        ([[0.0, 1.0], [0.5]], "notBreaching", "ALARM"),  # Average of the period's datapoints
    ],
)
def test_alarm_state_from_the_last_periods(periods: list[list[float]], treat_missing: str, state: str | None) -> None:
    assert evaluate(periods, treat_missing=treat_missing, **ALARM) == state  # type: ignore[arg-type]


def test_rate_schedules() -> None:
    assert rate_seconds("rate(1 minute)") == 60.0
    assert rate_seconds("rate(15 minutes)") == 900.0
    with pytest.raises(ValueError, match="not a rate expression"):
        rate_seconds("cron(0 * * * ? *)")
