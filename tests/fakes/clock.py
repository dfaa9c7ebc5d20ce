"""Clocks tests control: evac's own clock frozen at a moment, and the local cloud's clock stepped by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evacops.localcloud.clock import VirtualClock


class FrozenClock:
    """``evac.clock``'s source, frozen at a moment that moves only when told to (``advance``)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


class SteppedClock(VirtualClock):
    """A VirtualClock for one thread: a sleep moves modelled time on at once, and so does ``advance``.

    The extensions read modelled time through ``elapsed()`` and wait with ``sleep()``, so stepping this clock plays
    a latency exactly, with no other thread to wait for.
    """

    def advance(self, seconds: float) -> None:
        self._now += max(seconds, 0.0)

    def sleep(self, modelled: float) -> None:
        self.advance(modelled)


def at(minute: int, second: int = 0) -> datetime:
    """A moment of the sample incident, which starts at 10:07 UTC (the sample alarm events in events/)."""
    return datetime(2026, 11, 27, 10, minute, second, tzinfo=UTC)
