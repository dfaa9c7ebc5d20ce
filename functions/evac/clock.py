"""The one clock every handler reads.

In Lambda this is the system clock. The local cloud plays AWS's latencies on a scaled clock and points this seam at
it (``use``), so the timestamps a run records are modelled seconds there and wall-clock seconds in AWS.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def _system() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return _source()


def use(source: Callable[[], datetime] | None) -> None:
    """Read time from ``source`` from now on; ``None`` restores the system clock."""
    global _source  # noqa: PLW0603 - the seam is module state on purpose: handlers call clock.now() directly
    _source = source or _system
