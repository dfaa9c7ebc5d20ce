"""EventBridge Scheduler schedules run on the local cloud's timeline (moto 5.2.5 stores schedules and runs none).

A ``rate(N minutes)`` schedule invokes its target every N minutes from its creation
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based), with the schedule's
``Input`` as the event. EventBridge Scheduler invokes a Lambda target asynchronously
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html): here each invocation runs in
a thread of its own, so a slow round never delays the next. A dark region's scheduler invokes nothing from the
blackout's start.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from evacops.localcloud.clock import VirtualClock
    from evacops.localcloud.deploy import Schedule, Stack

# A context attribute Scheduler fills in a target's input: the time the run was scheduled for
# (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> float:
    """The period of a rate expression, in seconds.

    >>> rate_seconds("rate(5 minutes)")
    300.0
    """
    found = re.fullmatch(r"rate\((\d+) (minutes?|hours?|days?)\)", expression.strip())
    if not found:
        raise ValueError(f"not a rate expression the local cloud runs: {expression!r}")
    return float(int(found.group(1)) * _UNITS[found.group(2)])


def _first(started: float, period: float) -> float:
    """The first run: a third into the period after the next minute boundary. CloudWatch aggregates datapoints into
    periods aligned to the clock; a round away from a boundary lands in one period whatever the thread's jitter."""
    return (started // 60 + 1) * 60 + period / 3


@dataclass
class Schedules:
    """Runs every stack's schedules while the local cloud is open (``install``)."""

    clock: VirtualClock
    stacks: dict[str, Stack]
    dark: Callable[[str], bool] = lambda _region: False
    # Functions (logical ids) whose schedules do not run in this cloud, set before it starts: the fault matrix plays
    # the runbook's cases without the scheduled readiness report, which nothing in a run reads (its own faults are
    # played apart: ``evacops.chaos.readiness``).
    skipped: frozenset[str] = frozenset()
    invocations: list[tuple[float, str, str]] = field(default_factory=list)  # (modelled s, region, schedule)
    _stop: threading.Event = field(default_factory=threading.Event)
    _clients: dict[str, Any] = field(default_factory=dict)  # region -> the Lambda client Scheduler invokes with
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, stack: ExitStack) -> None:
        self._clients.clear()  # built in this cloud's sessions, with its hooks
        started = self.clock.elapsed()
        due = {
            (region, s.name): (_first(started, rate_seconds(s.expression)), s)
            for region, deployed in self.stacks.items()
            for s in deployed.schedules
            if s.function not in self.skipped
        }
        thread = threading.Thread(target=self._run, args=(due,), name="scheduler", daemon=True)
        thread.start()
        stack.callback(thread.join, 5)
        stack.callback(self.clock.poke)
        stack.callback(self._stop.set)

    def _run(self, due: dict[tuple[str, str], tuple[float, Schedule]]) -> None:
        while due:
            (region, name), (at, schedule) = min(due.items(), key=lambda item: item[1][0])
            if self.clock.wait_until(self._stop.is_set, at - self.clock.elapsed()):
                return
            due[(region, name)] = (at + rate_seconds(schedule.expression), schedule)
            if self.dark(region):
                continue
            self.invocations.append((round(at, 1), region, name))
            payload = schedule.input.replace(
                SCHEDULED_TIME, f"{self.clock.epoch + timedelta(seconds=at):%Y-%m-%dT%H:%M:%SZ}"
            )
            threading.Thread(
                target=self._invoke, args=(region, schedule, payload), name=f"schedule-{name}", daemon=True
            ).start()

    def _invoke(self, region: str, schedule: Schedule, payload: str) -> None:
        if not self._stop.is_set():  # rounds may overlap: Scheduler does not wait for the last one to end
            self._client(region).invoke(FunctionName=schedule.function_arn, Payload=payload.encode())

    def _client(self, region: str) -> Any:
        """One Lambda client per region for the cloud's life (clients are thread-safe; building one is ~15 ms of CPU,
        which every round of every schedule paid)."""
        with self._lock:
            if region not in self._clients:
                self._clients[region] = boto3.client("lambda", region)
            return self._clients[region]
