"""The record-set health reading (evac.aws.record_health): what it could not read is unknown, but what IAM refused
is IAM's answer, and must reach the readiness check as a refusal (a failed check naming the call), never as unknown."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from evac.aws import record_health
from evac.aws.record_health import RecordHealth
from evac.errors import AwsCallError

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

TARGET = "us-west-2"


class RefusingSwitch:
    def __init__(self, error: AwsCallError) -> None:
        self.error = error

    def __call__(self, _plan: RecoveryPlan) -> RefusingSwitch:
        return self

    def alarm_state(self, _region: str, *, probe: bool) -> str:
        raise self.error


def health_check_switch(plan: RecoveryPlan) -> RecoveryPlan:
    return plan.model_copy(update={"dns": plan.dns.model_copy(update={"mechanism": "health-check-switch"})})


def test_a_drain_alarm_iam_refused_is_a_refusal_not_an_unknown_status(
    plan: RecoveryPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied = AwsCallError("cloudwatch DescribeAlarms: AccessDenied", denied=True)
    monkeypatch.setattr(record_health, "HealthCheckSwitch", RefusingSwitch(denied))

    with pytest.raises(AwsCallError, match="DescribeAlarms") as raised:
        RecordHealth(health_check_switch(plan), records=None).health(TARGET, None)  # type: ignore[arg-type]

    assert raised.value.denied


def test_a_drain_alarm_that_does_not_answer_is_an_unknown_status(
    plan: RecoveryPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(record_health, "HealthCheckSwitch", RefusingSwitch(AwsCallError("cloudwatch: throttled")))

    reading = RecordHealth(health_check_switch(plan), records=None).health(TARGET, None)  # type: ignore[arg-type]

    assert reading.healthy is None
    assert "could not be read" in reading.read
