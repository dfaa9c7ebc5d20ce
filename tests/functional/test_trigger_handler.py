"""The trigger handler on moto: an alarm event from events/ starts at most one runbook per incident."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.handlers import trigger

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.functional.conftest import Cloud

    ReadEvent = Callable[[str], dict[str, Any]]

HERE, ACCOUNT = "us-west-2", "123456789012"


@pytest.fixture
def runbook_arn(aws: Cloud, monkeypatch: pytest.MonkeyPatch) -> str:
    """A state machine standing in for the runbook (moto does not execute it here), wired as EVAC_RUNBOOK_ARN."""
    arn = boto3.client("stepfunctions", HERE).create_state_machine(
        name="evac-fraud-scoring-failover",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/evac-runbook",
    )["stateMachineArn"]
    monkeypatch.setenv("EVAC_RUNBOOK_ARN", arn)
    return str(arn)


def executions(runbook_arn: str) -> list[dict[str, Any]]:
    return list(boto3.client("stepfunctions", HERE).list_executions(stateMachineArn=runbook_arn)["executions"])


@pytest.mark.parametrize("event_file", ["alarm-inference-5xx.json", "alarm-health-check.json"])
def test_a_plan_alarm_in_alarm_starts_the_runbook(
    aws: Cloud, runbook_arn: str, read_event: ReadEvent, event_file: str
) -> None:
    result = aws.invoke(trigger, read_event(event_file))

    assert (result["decision"], result["started"]) == ("start", True)
    assert [e["name"] for e in executions(runbook_arn)] == ["fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z"]


def test_the_runbook_starts_with_an_unplanned_request_for_this_region(
    aws: Cloud, runbook_arn: str, read_event: ReadEvent
) -> None:
    result = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    started = boto3.client("stepfunctions", HERE).describe_execution(executionArn=result["execution"])
    assert json.loads(started["input"]) == {
        "incident_id": "fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z",
        "mode": "unplanned",
        "target_region": "us-west-2",
        "detected_at": "2026-11-27T10:07:00Z",
        "reason": "alarm fraud-scoring-inference-5xx entered ALARM in us-east-1",
    }


def test_a_duplicate_alarm_event_starts_no_second_runbook(aws: Cloud, runbook_arn: str, read_event: ReadEvent) -> None:
    first = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    again = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    # Step Functions answers an identical StartExecution for a running execution with that execution: one runbook
    assert (again["decision"], again["execution"]) == ("start", first["execution"])
    assert len(executions(runbook_arn)) == 1


def test_both_plan_alarms_of_one_incident_start_one_runbook(
    aws: Cloud, runbook_arn: str, read_event: ReadEvent
) -> None:
    first = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    second = aws.invoke(trigger, read_event("alarm-health-check.json"))

    assert (second["decision"], second["started"], second["execution"]) == ("start", False, first["execution"])
    assert len(executions(runbook_arn)) == 1


def test_a_malformed_event_is_rejected_naming_the_field_and_starts_nothing(
    aws: Cloud, runbook_arn: str, read_event: ReadEvent
) -> None:
    event = read_event("alarm-inference-5xx.json")
    del event["detail"]["alarmName"]

    result = aws.invoke(trigger, event)

    assert result["decision"] == "reject"
    assert "detail.alarmName" in result["reason"]
    assert executions(runbook_arn) == []


def test_an_alarm_not_in_the_plan_is_ignored_and_starts_nothing(
    aws: Cloud, runbook_arn: str, read_event: ReadEvent
) -> None:
    event = read_event("alarm-inference-5xx.json")
    event["detail"]["alarmName"] = "checkout-latency"

    result = aws.invoke(trigger, event)

    assert result["decision"] == "ignore"
    assert "'checkout-latency' is not in the fraud-scoring plan" in result["reason"]
    assert executions(runbook_arn) == []


def test_an_alarm_returning_to_ok_is_ignored_and_starts_nothing(
    aws: Cloud, runbook_arn: str, read_event: ReadEvent
) -> None:
    event = read_event("alarm-inference-5xx.json")
    event["detail"]["state"]["value"] = "OK"

    assert aws.invoke(trigger, event)["decision"] == "ignore"
    assert executions(runbook_arn) == []
