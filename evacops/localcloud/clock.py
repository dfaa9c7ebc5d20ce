"""One scaled clock for the whole local cloud.

Modelled time runs ``speed`` times faster than wall time: at the default speed of 60, AWS's minute-long Aurora
failover passes in one wall second. Everything that waits (Step Functions Wait states and retry intervals) and
everything that takes time (promotion, scale-up, DNS propagation) is played on this clock, and handlers read it
through ``evac.clock``, so a run's recorded timings are modelled seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_SPEED = 60.0


class ScaledClock:
    def __init__(self, speed: float = DEFAULT_SPEED, *, epoch: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.epoch = (epoch or datetime.now(UTC)).replace(microsecond=0)
        self._t0 = time.monotonic()
        self._wall0 = time.time()
        self._local = threading.local()

    def elapsed(self) -> float:
        """Modelled seconds since the clock started."""
        return (time.monotonic() - self._t0) * self.speed

    def elapsed_at(self, wall: datetime) -> float:
        """Modelled seconds since the start at a wall-clock moment (e.g. a Step Functions history timestamp)."""
        return (wall.timestamp() - self._wall0) * self.speed

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.elapsed())

    def seconds_since_epoch(self, at: datetime) -> float:
        return (at - self.epoch).total_seconds()

    def real_seconds(self, modelled: float) -> float:
        return modelled / self.speed

    def sleep(self, modelled: float) -> None:
        if modelled > 0:
            self._local.slept = self.slept() + modelled
            time.sleep(self.real_seconds(modelled))

    def slept(self) -> float:
        """Modelled seconds this thread has slept on the clock (waiting out a timeout, a retry's backoff)."""
        return float(getattr(self._local, "slept", 0.0))


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class Timeline:
    """Changes scheduled at modelled times, applied when someone next looks (``settle``).

    AWS state is only observable through API calls, so settling before every read that can see it is exact.
    """

    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self._due: list[_Due] = []
        self._lock = threading.RLock()
        self._seq = 0
        self._applying: float | None = None

    def moment(self) -> float:
        """When a change happens, in modelled seconds: inside a scheduled action, the time it was due (it is applied
        when someone next looks, a little later); otherwise now."""
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
