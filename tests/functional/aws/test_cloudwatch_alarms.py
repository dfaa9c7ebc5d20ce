"""The confirmation watch's alarm reads on moto: one DescribeAlarms per region, told apart as answered, refused (an
error answer: its code and message kept) or silent (no answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from moto import mock_aws

from evac.aws import clients
from evac.aws.cloudwatch import AlarmStates

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "us-east-1"
ALARM = "fraud-scoring-inference-5xx"
ENDPOINT = f"https://monitoring.{REGION}.amazonaws.com"


@pytest.fixture
def cloudwatch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An account with the plan's 5xx alarm in ALARM, and evac's clients renewed before and after."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    clients.clear()
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", REGION)
        cloudwatch.put_metric_alarm(
            AlarmName=ALARM,
            Namespace="AWS/SageMaker",
            MetricName="Invocation5XXErrors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
        cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="test")
        yield cloudwatch
    clients.clear()


def fail_every_read(error: Exception) -> None:
    def raise_it(**_: Any) -> None:
        raise error

    clients.client("cloudwatch", REGION, probe=True).meta.events.register(
        "before-call.cloudwatch.DescribeAlarms", raise_it
    )


def test_an_answer_gives_each_alarm_its_state_and_an_unknown_one_insufficient_data(cloudwatch: Any) -> None:
    readings = AlarmStates(REGION, probe=True).read([ALARM, "not-created"])

    assert (readings[ALARM].reading, readings[ALARM].state) == ("state", "ALARM")
    assert readings[ALARM].since is not None
    assert (readings["not-created"].reading, readings["not-created"].state) == ("state", "INSUFFICIENT_DATA")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("Throttling", "Rate exceeded"),
        ("AccessDenied", "User is not authorized to perform: cloudwatch:DescribeAlarms"),
        ("InvalidParameterValue", "The parameter AlarmNames is invalid"),
    ],
    ids=["throttling", "access-denied", "validation"],
)
def test_an_error_answer_is_a_refusal_that_keeps_its_reason(cloudwatch: Any, code: str, message: str) -> None:
    fail_every_read(ClientError({"Error": {"Code": code, "Message": message}}, "DescribeAlarms"))

    reading = AlarmStates(REGION, probe=True).read([ALARM])[ALARM]

    assert (reading.reading, reading.state, reading.error) == ("refused", None, f"{code}: {message}")


@pytest.mark.parametrize(
    "error",
    [
        ConnectTimeoutError(endpoint_url=ENDPOINT),
        ReadTimeoutError(endpoint_url=ENDPOINT),
        EndpointConnectionError(endpoint_url=ENDPOINT),
    ],
    ids=lambda e: type(e).__name__,
)
def test_no_answer_is_silence(cloudwatch: Any, error: Exception) -> None:
    fail_every_read(error)

    reading = AlarmStates(REGION, probe=True).read([ALARM])[ALARM]

    assert (reading.reading, reading.state, reading.error) == ("silent", None, type(error).__name__)
