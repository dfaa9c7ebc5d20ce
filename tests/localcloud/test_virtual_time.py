"""The virtual clock (``evacops.localcloud.clock``) and Step Functions waits and retries played on it
(``install_virtual_time``): modelled time moves only when every simulated thread waits, so the production ASL's
waits take exactly their modelled seconds and almost no wall time, and Python's own compute costs no modelled time.
"""

from __future__ import annotations

import _thread
import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.domain.fanout import each
from evacops.localcloud.clock import Baton, Timeline, VirtualClock
from evacops.localcloud.interpreter import install_virtual_time

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import ExitStack

ROLE = "arn:aws:iam::123456789012:role/evac-test-states"


@pytest.fixture
def virtual() -> Iterator[VirtualClock]:
    clock = VirtualClock()
    yield clock
    clock.close()


def in_threads(*targets: Callable[[], None]) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # untimed: a timed join would be a thread that might wake by itself, and freeze the clock


# --- VirtualClock -----------------------------------------------------------------------------------------------------
def test_a_modelled_hour_passes_at_once_when_nothing_else_runs(virtual: VirtualClock) -> None:
    started = time.monotonic()

    virtual.sleep(3600)

    assert virtual.elapsed() == 3600
    assert (virtual.now() - virtual.epoch).total_seconds() == 3600
    assert time.monotonic() - started < 1


def test_time_jumps_to_each_next_due_moment_in_order(virtual: VirtualClock) -> None:
    woke: list[tuple[float, str]] = []

    def sleeper(name: str, seconds: float) -> Callable[[], None]:
        return lambda: (virtual.sleep(seconds), woke.append((virtual.elapsed(), name)))  # type: ignore[func-returns-value]

    in_threads(sleeper("dns", 60), sleeper("writer", 30), sleeper("endpoint", 360))

    assert woke == [(30, "writer"), (60, "dns"), (360, "endpoint")]


def test_time_stands_still_while_any_thread_computes(virtual: VirtualClock) -> None:
    stop, woke = threading.Event(), []
    busy = threading.Thread(target=lambda: [None for _ in iter(stop.is_set, True)])  # runs Python until stopped
    busy.start()
    sleeper = threading.Thread(target=lambda: (virtual.sleep(1), woke.append(virtual.elapsed())))
    sleeper.start()

    time.sleep(0.3)  # wall time: the busy thread never waits, so no modelled time may pass
    assert (woke, virtual.elapsed()) == ([], 0)
    stop.set()
    busy.join()
    sleeper.join()

    assert woke == [1]


def test_a_thread_blocked_on_another_simulated_thread_is_idle(virtual: VirtualClock) -> None:
    # A Parallel state's branches: the parent waits on a plain event the branch sets after a modelled latency.
    done, seen = threading.Event(), []

    in_threads(lambda: (done.wait(), seen.append(virtual.elapsed())), lambda: (virtual.sleep(90), done.set()))

    assert seen == [90]


def test_a_thread_pool_with_more_work_than_workers_lets_time_move(virtual: VirtualClock) -> None:
    # A handler fanning out over more endpoints than its pool's workers (``evac.domain.fanout.each``): a worker with
    # nothing left to take waits on the pool's queue, not on the clock, and must count as idle, or time stands still
    # while the busy workers sleep out their latencies.
    def call(seconds: float) -> float:
        virtual.sleep(seconds)
        return virtual.elapsed()

    ended: list[float] = []
    runner = threading.Thread(target=lambda: ended.extend(each(call, [1, 1, 1, 5, 1, 1, 1], workers=3)))
    virtual.ignore({threading.current_thread()})  # the test only watches, with a bound in wall seconds
    runner.start()
    runner.join(10)  # a frozen clock never ends the map

    assert ended == [1, 1, 1, 6, 2, 2, 3]


def test_a_thread_started_outside_threading_is_no_part_of_the_simulation(virtual: VirtualClock) -> None:
    # pytest-xdist's execnet reads its channel in threads started with ``_thread``, blocked where the clock cannot
    # tell waiting from running: counted as simulated, they would hold modelled time still for ever.
    reader, writer = os.pipe()

    def read_channel() -> None:
        os.read(reader, 1)

    _thread.start_new_thread(read_channel, ())
    elapsed: list[float] = []
    sleeper = threading.Thread(target=lambda: (virtual.sleep(30), elapsed.append(virtual.elapsed())))
    virtual.ignore({threading.current_thread()})
    try:
        sleeper.start()
        sleeper.join(10)
    finally:
        os.write(writer, b"x")
        os.close(writer)

    assert elapsed == [30]


def test_a_clock_event_times_out_in_modelled_seconds_unless_set(virtual: VirtualClock) -> None:
    answered, unanswered, results = virtual.event(), virtual.event(), []

    def approver() -> None:
        virtual.sleep(120)
        answered.set()

    in_threads(
        approver,
        lambda: results.append(("answered", answered.wait(3600), virtual.elapsed())),
        lambda: results.append(("timed out", unanswered.wait(600), virtual.elapsed())),
    )

    assert sorted(results) == [("answered", True, 120), ("timed out", False, 600)]


def test_invocations_holding_the_baton_overlap_in_modelled_time(virtual: VirtualClock) -> None:
    # Lambda invocations run one at a time in this process, but let go while they wait out a latency: three
    # 5-second invocations end together, as three concurrent Lambda invocations would.
    baton, ended = Baton(virtual), []

    def invocation() -> None:
        with baton:
            virtual.sleep(5)
            ended.append(virtual.elapsed())

    in_threads(invocation, invocation, invocation)

    assert ended == [5, 5, 5]


def test_a_paced_clock_runs_no_faster_than_its_pace() -> None:
    clock = VirtualClock(pace=1000.0)
    started = time.monotonic()

    clock.sleep(300)

    clock.close()
    assert clock.elapsed() == 300
    assert time.monotonic() - started >= 0.25


@pytest.mark.parametrize("pace", [0, -1])
def test_a_pace_that_is_not_positive_is_refused(pace: float) -> None:
    with pytest.raises(ValueError, match="pace must be positive"):
        VirtualClock(pace=pace)


# --- Timeline ---------------------------------------------------------------------------------------------------------
def test_timeline_runs_an_action_only_once_it_is_due(clock: VirtualClock, timeline: Timeline) -> None:
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


def test_timeline_runs_due_actions_in_time_order_and_each_once(clock: VirtualClock, timeline: Timeline) -> None:
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
    clock: VirtualClock, timeline: Timeline
) -> None:
    done: list[str] = []
    timeline.after(300, lambda: done.append("replica active"))
    timeline.after(60, lambda: done.append("record insync"))

    timeline.flush()
    timeline.settle()

    assert done == ["record insync", "replica active"]
    assert clock.elapsed() == 0  # the seeded account starts settled; time did not move


# --- Step Functions Wait and Retry on the virtual clock ---------------------------------------------------------------
def run(clock: VirtualClock, definition: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], float]:
    """Create and start a state machine; return its final description, its history and the wall seconds it took."""
    sfn = boto3.client("stepfunctions", "us-east-1")
    machine = sfn.create_state_machine(name="virtual", definition=json.dumps(definition), roleArn=ROLE)
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        if time.monotonic() - started > 30:
            pytest.fail("the execution is still running after 30 wall seconds: waits are not on the virtual clock")
        clock.sleep(10)  # an observer waits on the clock too
    wall = time.monotonic() - started
    return dict(described), list(sfn.get_execution_history(executionArn=execution)["events"]), wall


def modelled_gaps(clock: VirtualClock, events: list[dict[str, Any]], after: str, before: str) -> list[float]:
    """Modelled seconds from each ``after`` event to the next ``before`` event in the history."""
    gaps, opened = [], None
    for event in events:
        if event["type"] == after:
            opened = event["timestamp"]
        elif event["type"] == before and opened is not None:
            gaps.append(clock.seconds_since_epoch(event["timestamp"]) - clock.seconds_since_epoch(opened))
            opened = None
    return gaps


@pytest.fixture
def played(stack: ExitStack) -> VirtualClock:
    clock = VirtualClock()
    stack.callback(clock.close)
    install_virtual_time(stack, clock, state_transition=0.03)
    return clock


def test_wait_state_of_ten_minutes_waits_ten_modelled_minutes_in_a_fraction_of_a_wall_second(
    played: VirtualClock,
) -> None:
    described, events, wall = run(
        played,
        {
            "StartAt": "Prepare",
            "States": {
                "Prepare": {"Type": "Pass", "Next": "WaitForReplication"},
                "WaitForReplication": {"Type": "Wait", "Seconds": 600, "End": True},
            },
        },
    )

    assert described["status"] == "SUCCEEDED"
    assert wall < 3
    [waited] = modelled_gaps(played, events, "WaitStateEntered", "WaitStateExited")
    assert waited == pytest.approx(600, abs=0.001)  # history timestamps are modelled moments, to the millisecond


def test_task_retry_intervals_back_off_on_the_virtual_clock(played: VirtualClock) -> None:
    # A task that always fails (the table does not exist), retried 3 times 30, 60 and 120 seconds apart, then caught.
    described, events, wall = run(
        played,
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
        },
    )

    assert described["status"] == "SUCCEEDED"
    assert [e["type"] for e in events].count("TaskFailed") == 4  # the first attempt and 3 retries
    assert wall < 3
    intervals = modelled_gaps(played, events, "TaskFailed", "TaskScheduled")
    assert intervals == pytest.approx([30, 60, 120], abs=0.001)


def test_each_state_entered_costs_one_state_transition(played: VirtualClock) -> None:
    described, events, _ = run(
        played,
        {
            "StartAt": "One",
            "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Pass", "End": True}},
        },
    )

    assert described["status"] == "SUCCEEDED"
    entered = [played.seconds_since_epoch(e["timestamp"]) for e in events if e["type"] == "PassStateEntered"]
    assert entered[1] - entered[0] == pytest.approx(0.03, abs=0.001)


def test_wait_and_retry_together_finish_in_well_under_a_few_wall_seconds(played: VirtualClock) -> None:
    described, _, wall = run(
        played,
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
        },
    )

    assert described["status"] == "FAILED"  # retries exhausted: the error is the task's
    assert described["error"].endswith(".ResourceNotFoundException")
    assert wall < 3  # 660 modelled seconds of waiting
