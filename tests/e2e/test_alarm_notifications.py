"""The stack's own alarms notify people: CloudWatch publishes an alarm's state change to the notifications topic,
which SNS accepts only if the topic's key lets CloudWatch use it (issue 12, e: under ``alias/aws/sns`` the readiness
alarm was dropped)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

if TYPE_CHECKING:
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e
REGION = "us-west-2"


def test_the_readiness_alarm_reaches_the_notifications_topic(cloud: LocalCloud) -> None:
    # GIVEN the stack's readiness alarm, as the template declares it
    alarm = f"{cloud.stacks[REGION].name}-ReadinessAlarm"
    before = len(cloud.notifications(REGION))

    # WHEN the failover target stops being ready
    boto3.client("cloudwatch", REGION).set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="not ready")

    # THEN people are told, and SNS refused nothing
    assert any(alarm in message for message in cloud.notifications(REGION)[before:])
    assert cloud.publishes.refused == []
