"""The trigger handler on moto: an alarm event from events/ starts one confirmation watch per alarm change."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac import clock
from evac.domain.polling import whole_second
from evac.handlers import trigger
from tests.functional.emf import emitted_metrics

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.functional.conftest import Cloud

    ReadEvent = Callable[[str], dict[str, Any]]

HERE, ACCOUNT = "us-west-2", "123456789012"


@pytest.fixture
def watch_arn(aws: Cloud, monkeypatch: pytest.MonkeyPatch) -> str:
    """A state machine standing in for the watch (moto does not execute it here), wired as EVAC_WATCH_ARN."""
    arn = boto3.client("stepfunctions", HERE).create_state_machine(
        name="evac-fraud-scoring-confirm",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/evac-watch",
    )["stateMachineArn"]
    monkeypatch.setenv("EVAC_WATCH_ARN", arn)
    return str(arn)


def executions(arn: str) -> list[dict[str, Any]]:
    return list(boto3.client("stepfunctions", HERE).list_executions(stateMachineArn=arn)["executions"])


ACCEPTED = [
    "alarm-inference-5xx.json",
    "alarm-health-check.json",
    "alarm-metric-math.json",
    "alarm-anomaly-detection.json",
    "alarm-lambda-action.json",
]


@pytest.mark.parametrize("event_file", ACCEPTED)
def test_a_plan_alarm_in_alarm_starts_a_watch_whatever_its_shape(
    aws: Cloud, watch_arn: str, read_event: ReadEvent, event_file: str
) -> None:
    result = aws.invoke(trigger, read_event(event_file))

    assert (result["decision"], result["started"]) == ("wait", True)
    assert result["incident"] == "fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z"
    assert len(executions(watch_arn)) == 1


def test_the_watch_carries_the_signal_and_the_plans_sustain_window(
    aws: Cloud, watch_arn: str, read_event: ReadEvent
) -> None:
    result = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    watch = started_input(result)
    assert watch.pop("delivery")  # the request id of the trigger invocation: each delivery's input is its own
    assert watch.pop("confirm_at")
    assert watch == {
        "signal": {
            "name": "fraud-scoring-inference-5xx",
            "region": "us-east-1",
            "account": ACCOUNT,
            "state": "ALARM",
            "previous_state": "OK",
            "at": "2026-11-27T10:07:00Z",
            "changed_at": "2026-11-27T10:07:00Z",
        },
        "sustain_seconds": 60,
    }


def started_input(result: dict[str, Any]) -> dict[str, Any]:
    started = boto3.client("stepfunctions", HERE).describe_execution(executionArn=result["watch"])
    return dict(json.loads(started["input"]))


def test_the_sustain_window_is_counted_from_the_alarms_own_state_change_not_from_the_delivery(
    aws: Cloud, watch_arn: str, read_event: ReadEvent
) -> None:
    # GIVEN the alarm entered ALARM 1.5 s before the trigger runs (EventBridge's delivery, a cold start)
    changed = clock.now() - timedelta(seconds=1.5)
    event = read_event("alarm-inference-5xx.json")
    event["detail"]["state"]["timestamp"] = f"{changed:%Y-%m-%dT%H:%M:%S}.{changed.microsecond // 1000:03d}+0000"

    # WHEN the trigger starts the watch
    watch = started_input(aws.invoke(trigger, event))

    # THEN the watch confirms 60 s after the change itself (to the whole second after it: a Wait counts whole seconds)
    sustained = changed.replace(microsecond=changed.microsecond // 1000 * 1000) + timedelta(seconds=60)
    assert datetime.fromisoformat(watch["confirm_at"]) == whole_second(sustained, 0)


def test_an_alarm_that_changed_long_ago_is_confirmed_now_never_earlier(
    aws: Cloud, watch_arn: str, read_event: ReadEvent
) -> None:
    watch = started_input(aws.invoke(trigger, read_event("alarm-inference-5xx.json")))  # changed on 2026-11-27

    assert datetime.fromisoformat(watch["confirm_at"]) == whole_second(clock.now(), 0)


def test_without_a_state_timestamp_the_window_is_counted_from_the_trigger(
    aws: Cloud, watch_arn: str, read_event: ReadEvent
) -> None:
    event = read_event("alarm-inference-5xx.json")
    del event["detail"]["state"]["timestamp"]

    watch = started_input(aws.invoke(trigger, event))

    assert datetime.fromisoformat(watch["confirm_at"]) == whole_second(clock.now(), 60)


@pytest.mark.parametrize("timestamp", ["yesterday", "2026-11-27T10:07:00", 1796028604])
def test_a_malformed_state_timestamp_is_rejected_naming_it_and_starts_nothing(
    aws: Cloud, watch_arn: str, read_event: ReadEvent, timestamp: object
) -> None:
    event = read_event("alarm-inference-5xx.json")
    event["detail"]["state"]["timestamp"] = timestamp  # not text, no time zone, not a time

    result = aws.invoke(trigger, event)

    assert result["decision"] == "reject"
    assert "detail.state.timestamp" in result["reason"]
    assert executions(watch_arn) == []


def test_a_duplicate_delivery_starts_no_second_watch(aws: Cloud, watch_arn: str, read_event: ReadEvent) -> None:
    first = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    again = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    assert again["watch"] == first["watch"]
    assert len(executions(watch_arn)) == 1


def test_a_duplicate_delivery_while_the_watch_runs_is_neither_reported_started_nor_counted(
    aws: Cloud, watch_arn: str, read_event: ReadEvent, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the watch of an alarm change is running (Step Functions answers a repeat of its exact start with success)
    first = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))
    counted_first = emitted_metrics(capsys.readouterr().out)
    assert executions(watch_arn)[0]["status"] == "RUNNING"

    # WHEN EventBridge delivers the same event again
    again = aws.invoke(trigger, read_event("alarm-inference-5xx.json"))

    # THEN only the first delivery started the watch and counted it
    assert (first["started"], again["started"]) == (True, False)
    assert (counted_first.get("WatchesStarted"), counted_first.get("DuplicateAlarmEvents")) == (1, None)
    counted_again = emitted_metrics(capsys.readouterr().out)
    assert (counted_again.get("WatchesStarted"), counted_again.get("DuplicateAlarmEvents")) == (None, 1)


def test_a_composite_alarm_not_in_the_plan_is_ignored(aws: Cloud, watch_arn: str, read_event: ReadEvent) -> None:
    result = aws.invoke(trigger, read_event("alarm-composite.json"))

    assert result["decision"] == "ignore"
    assert "'fraud-scoring-primary-down' is not in the fraud-scoring plan" in result["reason"]
    assert executions(watch_arn) == []


def test_another_detail_type_is_ignored_not_rejected(aws: Cloud, watch_arn: str, read_event: ReadEvent) -> None:
    event = read_event("alarm-inference-5xx.json")
    event["detail-type"] = "CloudWatch Alarm Configuration Change"

    result = aws.invoke(trigger, event)

    assert result["decision"] == "ignore"
    assert "is not an alarm state change" in result["reason"]
    assert executions(watch_arn) == []


def test_a_malformed_event_is_rejected_naming_the_field_and_starts_nothing(
    aws: Cloud, watch_arn: str, read_event: ReadEvent
) -> None:
    event = read_event("alarm-inference-5xx.json")
    del event["detail"]["alarmName"]

    result = aws.invoke(trigger, event)

    assert result["decision"] == "reject"
    assert "detail.alarmName" in result["reason"]
    assert executions(watch_arn) == []


def test_an_alarm_not_in_the_plan_is_ignored_and_starts_nothing(
    aws: Cloud, watch_arn: str, read_event: ReadEvent
) -> None:
    event = read_event("alarm-inference-5xx.json")
    event["detail"]["alarmName"] = "checkout-latency"

    result = aws.invoke(trigger, event)

    assert result["decision"] == "ignore"
    assert "'checkout-latency' is not in the fraud-scoring plan" in result["reason"]
    assert executions(watch_arn) == []


def test_an_alarm_returning_to_ok_is_ignored_and_starts_nothing(
    aws: Cloud, watch_arn: str, read_event: ReadEvent
) -> None:
    event = read_event("alarm-lambda-action.json")
    event["alarmData"]["state"]["value"] = "OK"

    assert aws.invoke(trigger, event)["decision"] == "ignore"
    assert executions(watch_arn) == []
