"""Clocks tests control: evac's own clock frozen at a moment, and the local cloud's clock stepped by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evacops.localcloud.clock import ScaledClock


class FrozenClock:
    """``evac.clock``'s source, frozen at a moment that moves only when told to (``advance``)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


class SteppedClock(ScaledClock):
    """A ScaledClock whose modelled time moves only when a test advances it or someone sleeps on it.

    The extensions read modelled time through ``elapsed()`` and wait with ``sleep()``, so stepping this clock plays
    a latency exactly, whatever the wall time a boto3 call takes. (On a ScaledClock at speed 100 000, one boto3 call
    of a few wall milliseconds is already several modelled minutes: longer than the latencies under test.)
    """

    def __init__(self) -> None:
        super().__init__(speed=1.0)
        self._modelled = 0.0

    def elapsed(self) -> float:
        return self._modelled

    def advance(self, seconds: float) -> None:
        self._modelled += max(seconds, 0.0)

    def sleep(self, modelled: float) -> None:
        self.advance(modelled)


def at(minute: int, second: int = 0) -> datetime:
    """A moment of the sample incident, which starts at 10:07 UTC (the sample alarm events in events/)."""
    return datetime(2026, 11, 27, 10, minute, second, tzinfo=UTC)
