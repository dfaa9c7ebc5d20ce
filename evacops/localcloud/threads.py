"""What the local cloud waits for between threads: its executions ending, its threads finishing before it closes."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def await_threads_since(before: set[threading.Thread], timeout: float = 30.0) -> None:
    """Let the threads the cloud started (its executions' states) finish before its patches and mock come off: a
    state still running after them would call AWS outside any mock, or the next cloud's."""
    deadline = time.monotonic() + timeout
    for thread in set(threading.enumerate()) - before:
        if thread is not threading.current_thread() and thread.ident is not None:  # started
            thread.join(max(0.0, deadline - time.monotonic()))
    if stray := [t.name for t in set(threading.enumerate()) - before if t.is_alive()]:
        logging.getLogger("evac.localcloud").warning("threads outlived their local cloud: %s", stray)


def execution_ended(execution_arn: str) -> Callable[[], bool]:
    """Whether the execution has ended, read from moto's backend (no API call: the clock asks it under its lock)."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    _, _, _, region, account, *_ = execution_arn.split(":")
    backend = stepfunctions_parser_backends[account][region]

    def ended() -> bool:
        try:
            return backend.describe_execution(execution_arn).status != "RUNNING"
        except Exception:  # noqa: BLE001 - unknown yet: look again later
            return False

    return ended
