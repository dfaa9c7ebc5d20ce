"""One virtual clock for the whole local cloud.

Modelled time stands still while anything in the simulation runs, and jumps, once every simulated thread waits, to
the next moment one of them is due. Python's own CPU time (handlers, moto's interpreter, this machine's load) costs
no modelled time; what AWS takes (an API call, a Lambda start, a state transition, a failover) is charged explicitly
from ``fidelity.latencies`` by sleeping on this clock. So a run's figures are the same on a busy machine and a quiet
one, and a ten-minute failover plays in the seconds of CPU it needs.

Who counts as idle (``_blocked``): a thread waiting on this clock (``sleep``, ``wait_until``, a ``ClockEvent``, a
``Baton``), or one blocked without a timeout on another simulated thread (``threading.Condition.wait`` -- events,
queues, moto's latches -- ``Thread.join``, or a thread pool's worker with no work left), read from its frame and the
lock it waits on. Anything else, a thread blocked on something unknown included, counts as running: time stays
frozen, which is always safe. The verdict is taken twice and must not change between the two looks, so some instant
had every thread idle at once. The thread that starts a wait looks first itself (it may be the last to go idle); the
driver looks when told of a change, and again on its own for threads that went idle without telling it. Threads that
existed before the clock (the test runner's, a server's) are outside the simulation (``ignore``).

A clock with a ``pace`` never runs faster than that many modelled seconds per wall second: a drill a person answers
from another terminal (``evac drill --by-hand``) must leave them time to.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from evacops.localcloud.frames import blocked, current_frames, foreign, starting

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger("evac.localcloud")

# How soon (wall seconds) the clock looks again when a thread blocked outside it may have gone idle unannounced: at
# first soon, then half as often each time nothing changed, up to the longest. Each look reads every thread's frame
# while holding the GIL: looking every 2 ms throughout made a fault-matrix case about a fifth slower.
_LOOK_AGAIN = 0.002
_LOOK_AGAIN_AT_MOST = 0.02
# How long (wall seconds) every simulated thread may stay blocked with nothing due before the clock says so.
_STUCK_AFTER = 30.0


@dataclass(eq=False)
class _Wait:
    deadline: float | None  # modelled seconds, or None: only ``until`` ends it
    until: Callable[[], bool] | None
    wake: threading.Condition  # on the clock's lock: only this waiter is woken
    ready: bool = False
    held: bool = False  # ``until`` returned True (it may have taken something: it is not asked again)

    def end(self, *, held: bool = False) -> None:
        self.ready, self.held = True, held
        self.wake.notify()


@dataclass
class _Held:
    batons: list[Baton] = field(default_factory=list)


class VirtualClock:
    """Modelled seconds since the clock started, advanced only when every simulated thread waits."""

    def __init__(self, *, epoch: datetime | None = None, pace: float | None = None) -> None:
        if pace is not None and pace <= 0:
            raise ValueError(f"pace must be positive (modelled seconds per wall second), not {pace}")
        self.epoch = (epoch or datetime.now(UTC)).replace(microsecond=0)
        self.pace = pace
        self._paced_from = time.monotonic()
        self.jumps = 0  # how many times time moved on
        self._now = 0.0
        self._lock = threading.Lock()
        self._cv = threading.Condition(self._lock)  # the driver's: a wait began, or something changed
        self._waits: dict[int, _Wait] = {}  # thread ident -> its wait on the clock
        self._local = threading.local()
        self._outside = set(threading.enumerate()) - {threading.current_thread()}
        self._driver: threading.Thread | None = None
        self._closed = False
        self._idle_since: float | None = None

    # --- reading ------------------------------------------------------------------------------------------------------
    def elapsed(self) -> float:
        """Modelled seconds since the clock started."""
        return self._now

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self._now)

    def seconds_since_epoch(self, at: datetime) -> float:
        return (at - self.epoch).total_seconds()

    # --- waiting ------------------------------------------------------------------------------------------------------
    def sleep(self, modelled: float) -> None:
        """Wait ``modelled`` seconds of modelled time (what an AWS latency, a backoff or a Wait state takes)."""
        if modelled > 0:
            self.wait_until(None, modelled)

    def wait_until(self, until: Callable[[], bool] | None, timeout: float | None = None) -> bool:
        """Wait until ``until()`` holds or ``timeout`` modelled seconds pass; returns whether it holds.

        ``until`` is evaluated under the clock's lock whenever the clock looks: it must only read (a flag, a status),
        never block or call AWS.
        """
        with self._cv:
            if until is not None and until():
                return True
            if self._closed:
                return until() if until is not None else True
            if timeout is not None and timeout <= 0:
                return False
            held = list(self._held().batons)
            self._held().batons.clear()
            for baton in held:  # a baton's holder lets go while it waits (another invocation runs meanwhile)
                baton.lock.release()
            wait = _Wait(None if timeout is None else self._now + timeout, until, threading.Condition(self._lock))
            me = threading.get_ident()
            self._waits[me] = wait
            self._start_driver()
            # The wait that leaves every thread idle moves time on itself: when it is the next one due (as a lone
            # runbook's each latency is) it goes on at once, without handing over to the driver and back (two thread
            # switches a jump; measured: a sleep on an otherwise idle clock costs 8 us of CPU, against 61 us through
            # the driver). The driver is told when that did not end this wait.
            if not self._advance() or not wait.ready:
                self._cv.notify()
            try:
                while not wait.ready and not self._closed:
                    # a conditional wait looks at its condition now and then itself: it may be set from outside
                    wait.wake.wait(None if until is None else 0.05)
                    if not wait.ready and until is not None and until():
                        wait.end(held=True)
            finally:
                del self._waits[me]
            result = wait.held or until is None or until()
        for baton in held:
            baton.take()
        self._held().batons.extend(held)
        return result

    def event(self) -> ClockEvent:
        """A ``threading.Event`` whose ``wait(timeout)`` counts modelled seconds on this clock."""
        return ClockEvent(self)

    def poke(self) -> None:
        """Something a waiter may be waiting for changed: look again now."""
        with self._cv:
            self._cv.notify()

    def ignore(self, threads: set[threading.Thread]) -> None:
        """Leave ``threads`` out of the simulation (a server thread waiting on sockets for another process)."""
        with self._cv:
            self._outside |= threads

    def close(self) -> None:
        """Stop driving time: every wait ends now (the cloud is closing and its threads must wind down)."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()
            for wait in self._waits.values():
                wait.wake.notify()
        if self._driver is not None and self._driver is not threading.current_thread():
            self._driver.join(5)

    def _held(self) -> _Held:
        held = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = _Held()
        return held

    # --- driving ------------------------------------------------------------------------------------------------------
    def _start_driver(self) -> None:
        if self._driver is None:
            self._driver = threading.Thread(target=self._drive, name="virtual-clock", daemon=True)
            self._outside.add(self._driver)
            self._driver.start()

    def _drive(self) -> None:
        look = _LOOK_AGAIN
        with self._cv:
            while not self._closed:
                if not self._waits:
                    self._cv.wait()
                elif self._advance() or self._cv.wait(look):  # moved on, or told of a change: look again soon
                    look = _LOOK_AGAIN
                else:
                    look = min(look * 2, _LOOK_AGAIN_AT_MOST)

    def _advance(self) -> bool:
        """Wake waiters whose condition holds, else jump to the next due moment if everyone waits; True if either."""
        woken = False
        for wait in self._waits.values():
            if not wait.ready and wait.until is not None and wait.until():
                wait.end(held=True)
                woken = True
        if woken:
            return True
        if any(w.ready for w in self._waits.values()):
            return False  # woken, not yet running
        first = self._idle()
        if first is None or self._idle() != first:
            self._idle_since = None
            return False
        due = [w.deadline for w in self._waits.values() if w.deadline is not None]
        if not due:
            self._report_stuck()
            return False
        self._idle_since = None
        target = min(due)
        if self.pace is not None:  # no faster than the pace since the last move
            wall = time.monotonic()
            allowed = self._now + (wall - self._paced_from) * self.pace
            self._paced_from = wall
            if target > allowed:
                self._now = max(self._now, allowed)
                return False
        self._now = max(self._now, target)
        self.jumps += 1
        for wait in self._waits.values():
            if wait.deadline is not None and wait.deadline <= self._now:
                wait.end()
        return True

    def _idle(self) -> dict[int, object] | None:
        """Each simulated thread's token of what it waits on, or None if any of them may be running."""
        frames = current_frames()
        if starting():  # after the snapshot: a starter in it has its new thread in ``_limbo``, or is released already
            return None
        states: dict[int, object] = {}
        threads = threading._active  # type: ignore[attr-defined]
        for ident, frame in frames.items():
            thread = threads.get(ident)
            if thread in self._outside or foreign(thread):
                continue  # not the simulation's: from before the clock, or not started by threading (execnet's)
            wait = self._waits.get(ident)
            if wait is not None:
                if wait.ready:
                    return None
                states[ident] = wait
                continue
            token = blocked(frame)
            if token is None:
                return None
            states[ident] = token
        return states

    def _report_stuck(self) -> None:
        """Every simulated thread waits and none of them on time: only something outside can wake them."""
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since > _STUCK_AFTER:
            self._idle_since = now
            log.warning("virtual clock: every thread waits and none is due (waiting for something outside?)")


class ClockEvent:
    """``threading.Event`` on a virtual clock: ``wait(timeout)`` counts modelled seconds, and a wait is idle."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._flag = threading.Event()

    def is_set(self) -> bool:
        return self._flag.is_set()

    def set(self) -> None:
        self._flag.set()
        self.clock.poke()

    def clear(self) -> None:
        self._flag.clear()

    def wait(self, timeout: float | None = None) -> bool:
        return self.clock.wait_until(self._flag.is_set, timeout)


class Baton:
    """A lock its holder lets go of while it waits on the clock, and takes back before it goes on.

    The local cloud runs one Lambda invocation's Python at a time; in AWS they overlap. While an invocation waits out a
    modelled latency, another may run: in modelled time they overlap as in AWS, and no two run Python at once.
    """

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.lock = threading.Lock()

    def take(self) -> None:
        """Wait (idle) until the baton is free, and take it."""
        while not self.clock.wait_until(lambda: self.lock.acquire(blocking=False)):
            time.sleep(0.001)  # the clock is closed: waits end at once, the lock still has to be had

    def __enter__(self) -> Baton:
        self.take()
        self.clock._held().batons.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.clock._held().batons.remove(self)
        self.lock.release()
        self.clock.poke()


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class Timeline:
    """Changes scheduled at modelled times, applied when someone next looks (``settle``).

    AWS state is only observable through API calls, so settling before every read that can see it is exact.
    """

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._due: list[_Due] = []
        self._lock = threading.RLock()
        self._seq = 0
        self._applying: float | None = None

    def moment(self) -> float:
        """When a change happens, in modelled seconds: inside a scheduled action, the time it was due (it is applied
        when someone next looks, possibly later); otherwise now."""
        return self._applying if self._applying is not None else self.clock.elapsed()

    def after(self, seconds: float, action: Callable[[], None]) -> float:
        """Run ``action`` once ``seconds`` of modelled time have passed; returns the modelled time it is due."""
        with self._lock:
            self._seq += 1
            at = self.clock.elapsed() + seconds
            self._due.append(_Due(at, self._seq, action))
            self._due.sort()
            return at

    def settle(self) -> None:
        with self._lock:
            now = self.clock.elapsed()
            while self._due and self._due[0].at <= now:
                due = self._due.pop(0)
                self._applying = due.at
                try:
                    due.action()
                finally:
                    self._applying = None

    def flush(self) -> None:
        """Apply every scheduled change now, whatever it is due: a freshly seeded account starts settled, as if the
        application had been running for a while (replicas built, record sets propagated)."""
        with self._lock:
            while self._due:
                self._due.pop(0).action()
