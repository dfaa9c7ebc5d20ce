"""Contracts of the confirmation watch: the signal the trigger hands it, when it confirms, and the decision it takes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from evac.domain.models import Contract, RunbookInput
from evac.domain.polling import whole_second

if TYPE_CHECKING:
    from datetime import datetime


class Signal(Contract):
    """An alarm state change, as the trigger hands it to the confirmation watch."""

    name: str
    region: str
    account: str
    state: str
    previous_state: str | None = None
    at: AwareDatetime
    changed_at: AwareDatetime | None = None


class WatchInput(Contract):
    """The confirmation watch's input: the signal, and how long it must hold before ``confirm``."""

    signal: Signal
    sustain_seconds: int = Field(ge=0)
    confirm_at: AwareDatetime | None = Field(
        default=None,
        description="when the sustain window ends (``confirm_at``); without it, the watch waits sustain_seconds",
    )
    delivery: str | None = Field(
        default=None, description="the request id of the trigger invocation that started the watch (one per delivery)"
    )


class Confirmation(Contract):
    """``confirm``'s answer; on ``start`` the watch starts the runbook named ``execution`` with ``request``."""

    action: Literal["start", "wait", "ignore", "reject"]
    reason: str
    held_back: bool = False
    execution: str | None = None
    request: RunbookInput | None = None
    incident: str | None = Field(default=None, description="the incident this decision is about")
    notify: bool = Field(default=False, description="the first watch of the incident to decide so: it tells people")


def confirm_at(changed_at: datetime | None, sustain_seconds: int, now: datetime) -> datetime:
    """When the watch confirms: once the alarm has been in ALARM for ``sustain_seconds``, counted from its own state
    change (the event reaches the trigger a second or two later: EventBridge's delivery, a cold start), never before
    ``now``; without that moment, ``sustain_seconds`` from ``now``. Rounded up to a whole second: a Wait's timestamp
    counts whole seconds ("Step Functions considers the time value up to seconds and truncates milliseconds",
    https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html), and confirming early would find the
    alarm not yet sustained.

    >>> from datetime import UTC, datetime
    >>> changed, now = datetime(2026, 11, 27, 10, 7, 0, 985000, UTC), datetime(2026, 11, 27, 10, 7, 2, tzinfo=UTC)
    >>> confirm_at(changed, 60, now).isoformat()
    '2026-11-27T10:08:01+00:00'
    >>> confirm_at(None, 60, now).isoformat()
    '2026-11-27T10:08:02+00:00'
    >>> confirm_at(changed - timedelta(hours=1), 60, now).isoformat()  # held for longer already: confirm now
    '2026-11-27T10:07:02+00:00'
    """
    sustained = (changed_at or now) + timedelta(seconds=sustain_seconds)
    return whole_second(max(sustained, now), 0)
