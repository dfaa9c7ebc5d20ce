"""The scaled clock (``evacops.localcloud.clock``) and Step Functions waits and retries played on it
(``install_scaled_time``): the production ASL's whole-second waits run unchanged, in compressed wall time.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evacops.localcloud.clock import ScaledClock, Timeline
from evacops.localcloud.interpreter import install_scaled_time

if TYPE_CHECKING:
    from contextlib import ExitStack

ROLE = "arn:aws:iam::123456789012:role/evac-test-states"
SPEED = 5_000.0  # 600 modelled seconds in 0.12 wall seconds; history timestamps (ms) still resolve 5 modelled s


# --- ScaledClock ------------------------------------------------------------------------------------------------------
def test_scaled_clock_plays_a_modelled_minute_in_a_fraction_of_a_wall_second() -> None:
    clock = ScaledClock(100_000)
    started = time.monotonic()

    clock.sleep(60)

    assert time.monotonic() - started < 0.5
    assert clock.elapsed() >= 60
    assert clock.real_seconds(60) == pytest.approx(0.0006)
    assert (clock.now() - clock.epoch).total_seconds() >= 60


@pytest.mark.parametrize("speed", [0, -1])
def test_scaled_clock_refuses_a_speed_that_is_not_positive(speed: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(speed)


# --- Timeline ---------------------------------------------------------------------------------------------------------
def test_timeline_runs_an_action_only_once_it_is_due(clock: ScaledClock, timeline: Timeline) -> None:
    done: list[str] = []
    due = timeline.after(60, lambda: done.append("promoted"))

    assert due == 60
    timeline.settle()
    clock.sleep(59.5)
    timeline.settle()
    assert done == []

    clock.sleep(0.5)
    timeline.settle()
    assert done == ["promoted"]


def test_timeline_runs_due_actions_in_time_order_and_each_once(clock: ScaledClock, timeline: Timeline) -> None:
    done: list[str] = []
    timeline.after(30, lambda: done.append("dns insync"))
    timeline.after(10, lambda: done.append("writer moved"))
    timeline.after(30, lambda: done.append("second at 30"))  # same time: in the order scheduled
    timeline.after(90, lambda: done.append("endpoint in service"))

    clock.sleep(15)
    timeline.settle()
    assert done == ["writer moved"]

    clock.sleep(15)
    timeline.settle()
    timeline.settle()
    assert done == ["writer moved", "dns insync", "second at 30"]

    clock.sleep(60)
    timeline.settle()
    timeline.settle()
    assert done == ["writer moved", "dns insync", "second at 30", "endpoint in service"]


def test_flushing_the_timeline_applies_every_scheduled_change_now_in_order(
    clock: ScaledClock, timeline: Timeline
) -> None:
    done: list[str] = []
    timeline.after(300, lambda: done.append("replica active"))
    timeline.after(60, lambda: done.append("record insync"))

    timeline.flush()
    timeline.settle()

    assert done == ["record insync", "replica active"]
    assert clock.elapsed() == 0  # the seeded account starts settled; time did not move


def test_timeline_on_a_scaled_clock_applies_a_modelled_minute_after_a_modelled_minute() -> None:
    clock = ScaledClock(100_000)
    timeline = Timeline(clock)
    done: list[bool] = []
    timeline.after(60, lambda: done.append(True))

    clock.sleep(61)
    timeline.settle()

    assert done == [True]


# --- Step Functions Wait and Retry on the scaled clock ----------------------------------------------------------------
def run(definition: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], float]:
    """Create and start a state machine; return its final description, its history and the wall seconds it took."""
    sfn = boto3.client("stepfunctions", "us-east-1")
    machine = sfn.create_state_machine(name="scaled", definition=json.dumps(definition), roleArn=ROLE)
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        if time.monotonic() - started > 30:
            pytest.fail("the execution is still running after 30 wall seconds: waits are not scaled")
        time.sleep(0.005)
    wall = time.monotonic() - started
    return dict(described), list(sfn.get_execution_history(executionArn=execution)["events"]), wall


def modelled_gaps(clock: ScaledClock, events: list[dict[str, Any]], after: str, before: str) -> list[float]:
    """Modelled seconds from each ``after`` event to the next ``before`` event in the history."""
    gaps, opened = [], None
    for event in events:
        if event["type"] == after:
            opened = event["timestamp"]
        elif event["type"] == before and opened is not None:
            gaps.append(clock.elapsed_at(event["timestamp"]) - clock.elapsed_at(opened))
            opened = None
    return gaps


@pytest.fixture
def scaled(stack: ExitStack) -> ScaledClock:
    clock = ScaledClock(SPEED)
    install_scaled_time(stack, clock)
    return clock


def test_wait_state_of_ten_minutes_waits_ten_modelled_minutes_in_a_fraction_of_a_wall_second(
    scaled: ScaledClock,
) -> None:
    described, events, wall = run(
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {"Type": "Pass", "Next": "WaitForReplication"},
                "WaitForReplication": {"Type": "Wait", "Seconds": 600, "End": True},
            },
        }
    )

    assert described["status"] == "SUCCEEDED"
    assert wall < 3
    [waited] = modelled_gaps(scaled, events, "WaitStateEntered", "WaitStateExited")
    assert waited >= 600 - 10  # history timestamps are whole milliseconds: 5 modelled seconds each


def test_task_retry_intervals_back_off_on_the_scaled_clock(scaled: ScaledClock) -> None:
    # A task that always fails (the table does not exist), retried 3 times 30, 60 and 120 seconds apart, then caught.
    described, events, wall = run(
        {
            "StartAt": "DescribeLedger",
            "States": {
                "DescribeLedger": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:dynamodb:describeTable",
                    "Parameters": {"TableName": "no-such-table"},
                    "Retry": [
                        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30, "MaxAttempts": 3, "BackoffRate": 2.0}
                    ],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "GaveUp"}],
                    "End": True,
                },
                "GaveUp": {"Type": "Succeed"},
            },
        }
    )

    assert described["status"] == "SUCCEEDED"
    assert [e["type"] for e in events].count("TaskFailed") == 4  # the first attempt and 3 retries
    assert wall < 3
    intervals = modelled_gaps(scaled, events, "TaskFailed", "TaskScheduled")
    assert len(intervals) == 3
    for interval, expected in zip(intervals, (30, 60, 120), strict=True):
        assert interval >= expected - 10


def test_wait_and_retry_together_finish_in_well_under_a_few_wall_seconds_at_high_speed(stack: ExitStack) -> None:
    install_scaled_time(stack, ScaledClock(100_000))

    described, _, wall = run(
        {
            "StartAt": "Wait",
            "States": {
                "Wait": {"Type": "Wait", "Seconds": 600, "Next": "Poll"},
                "Poll": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:dynamodb:describeTable",
                    "Parameters": {"TableName": "no-such-table"},
                    "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 30, "MaxAttempts": 2}],
                    "End": True,
                },
            },
        }
    )

    assert described["status"] == "FAILED"  # retries exhausted: the error is the task's
    assert described["error"].endswith(".ResourceNotFoundException")
    assert wall < 3  # 660 modelled seconds of waiting
