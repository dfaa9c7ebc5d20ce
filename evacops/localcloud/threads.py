"""What the local cloud waits for between threads: its executions ending, its threads finishing before it closes (the
executions still running stopped first); and what an execution's follower reads as it goes (its new history events)."""

from __future__ import annotations

import copy
import logging
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from moto.stepfunctions.parser.utils import TMP_THREADS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from evacops.localcloud.clock import VirtualClock
    from evacops.localcloud.deploy import Stack


def await_threads_since(before: set[threading.Thread], timeout: float = 30.0) -> None:
    """Let the threads the cloud started (its executions' states) finish before its patches and mock come off: a
    state still running after them would call AWS outside any mock, or the next cloud's."""
    deadline = time.monotonic() + timeout
    for thread in set(threading.enumerate()) - before:
        if thread is not threading.current_thread() and thread.ident is not None:  # started
            thread.join(max(0.0, deadline - time.monotonic()))
    if stray := [t.name for t in set(threading.enumerate()) - before if t.is_alive()]:
        logging.getLogger("evac.localcloud").warning("threads outlived their local cloud: %s", stray)
    # moto's interpreter appends every thread it starts to a module-level list it never reads again (TMP_THREADS):
    # left there, a process that plays many drills keeps each of their threads to its end.
    TMP_THREADS[:] = [thread for thread in TMP_THREADS if thread.is_alive()]


def _backend(execution_arn: str) -> Any:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    _, _, _, region, account, *_ = execution_arn.split(":")
    return stepfunctions_parser_backends[account][region]


def execution_ended(execution_arn: str) -> Callable[[], bool]:
    """Whether the execution has ended, read from moto's backend (no API call: the clock asks it under its lock).

    moto finds an execution by scanning every state machine and then every execution of its own; it keeps the one
    object for the execution's life and changes its status in place, so once found it is only read again."""
    backend = _backend(execution_arn)
    found: list[Any] = []

    def ended() -> bool:
        if not found:
            try:
                found.append(backend.describe_execution(execution_arn))
            except Exception:  # noqa: BLE001 - unknown yet: look again later
                return False
        return bool(found[0].status != "RUNNING")

    return ended


def history_since(execution_arn: str, seen: int) -> list[dict[str, Any]]:
    """The execution's history events after the first ``seen``, as GetExecutionHistory returns them (``timestamp`` a
    datetime), read from moto's backend: following a run through the API serialised its whole history on every look,
    a cost that grew with the square of its length."""
    execution = _backend(execution_arn).describe_execution(execution_arn)
    env = getattr(getattr(execution, "exec_worker", None), "env", None)
    if env is None:  # not started yet: no history
        return []
    events = env.event_manager
    with events._mutex:  # the interpreter appends under it
        new = copy.deepcopy(events._history_event_list[seen:])
    for event in new:
        event["timestamp"] = datetime.fromisoformat(event["timestamp"])
    return list(new)


def stop_running_executions(stacks: Mapping[str, Stack], clock: VirtualClock, poll: float = 5.0) -> None:
    """Stop every execution still running in the stacks' state machines (the cloud is closing: none outlives it)."""
    for region, deployed in stacks.items():
        sfn = boto3.client("stepfunctions", region)
        for arn in deployed.state_machine_arns.values():
            for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
                # moto cannot stop an execution before its first history event
                while not sfn.get_execution_history(executionArn=execution["executionArn"])["events"]:
                    clock.sleep(poll)
                sfn.stop_execution(executionArn=execution["executionArn"], cause="local cloud closed")
