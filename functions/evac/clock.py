"""The one clock every handler reads.

In Lambda this is the system clock. The local cloud plays AWS's latencies on a scaled clock and points this seam at
it (``use``), so the timestamps a run records are modelled seconds there and wall-clock seconds in AWS.

``stopwatch()`` times short waits a client sees (a canary's latency): ``time.perf_counter`` in Lambda; in the local
cloud, only the latencies it plays (``use_stopwatch``), not the milliseconds its own process happens to take.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def _system() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system
_stopwatch: Callable[[], float] = time.perf_counter


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return _source()


def use(source: Callable[[], datetime] | None) -> None:
    """Read time from ``source`` from now on; ``None`` restores the system clock."""
    global _source  # noqa: PLW0603 - the seam is module state on purpose: handlers call clock.now() directly
    _source = source or _system


def stopwatch() -> float:
    """Seconds on a monotonic clock, for timing waits: only differences between two readings mean anything."""
    return _stopwatch()


def use_stopwatch(source: Callable[[], float] | None) -> None:
    """Time waits with ``source`` from now on; ``None`` restores ``time.perf_counter``."""
    global _stopwatch  # noqa: PLW0603 - the same seam as ``use``
    _stopwatch = source or time.perf_counter
