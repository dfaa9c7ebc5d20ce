"""CloudWatch alarm actions publish to SNS, which refuses a topic whose key CloudWatch may not use (plain moto: no
alarm action runs, no key is checked)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.sns.models import sns_backends

from evacops.localcloud.fidelity import AlarmActions, ServicePublishes

if TYPE_CHECKING:
    from contextlib import ExitStack

REGION = "us-east-1"
CLOUDWATCH_MAY_USE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "kms:*", "Resource": "*"}
    ],
}


def alarm_on_topic(key: str | None) -> str:
    """An alarm whose ALARM action is a topic under ``key``; returns the topic's ARN."""
    attributes = {"KmsMasterKeyId": key} if key else {}
    topic = boto3.client("sns", REGION).create_topic(Name="t", Attributes=attributes)["TopicArn"]
    boto3.client("cloudwatch", REGION).put_metric_alarm(
        AlarmName="a", Namespace="n", MetricName="m", Statistic="Minimum", Period=60, EvaluationPeriods=1,
        Threshold=1, ComparisonOperator="LessThanThreshold", AlarmActions=[topic],
    )  # fmt: skip
    return topic


def alarm(stack: ExitStack) -> ServicePublishes:
    publishes = ServicePublishes()
    AlarmActions(publishes).install(stack)
    boto3.client("cloudwatch", REGION).set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="r")
    return publishes


def sent(topic: str) -> list[str]:
    return [message for _, message, *_ in sns_backends["123456789012"][REGION].topics[topic].sent_notifications]


def test_an_alarm_publishes_its_state_change_to_an_unencrypted_topic(stack: ExitStack) -> None:
    topic = alarm_on_topic(None)
    alarm(stack)
    assert [json.loads(m)["NewStateValue"] for m in sent(topic)] == ["ALARM"]


def test_an_alarm_publish_to_a_topic_under_the_aws_managed_key_is_dropped(stack: ExitStack) -> None:
    topic = alarm_on_topic("alias/aws/sns")
    publishes = alarm(stack)
    assert sent(topic) == []
    assert [refused_topic for refused_topic, _ in publishes.refused] == [topic]


@pytest.mark.parametrize(("policy", "delivered"), [(CLOUDWATCH_MAY_USE, True), (None, False)])
def test_an_alarm_publish_under_a_customer_key_needs_its_policy_to_name_cloudwatch(
    stack: ExitStack, policy: dict | None, delivered: bool
) -> None:
    kms = boto3.client("kms", REGION)
    key = kms.create_key(**({"Policy": json.dumps(policy)} if policy else {}))["KeyMetadata"]["KeyId"]
    topic = alarm_on_topic(key)
    alarm(stack)
    assert bool(sent(topic)) is delivered
