"""Contracts of the confirmation watch: the signal the trigger hands it, and the decision it takes."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from evac.domain.models import Contract, RunbookInput


class Signal(Contract):
    """An alarm state change, as the trigger hands it to the confirmation watch."""

    name: str
    region: str
    account: str
    state: str
    previous_state: str | None = None
    at: AwareDatetime


class WatchInput(Contract):
    """The confirmation watch's input: the signal, and how long it must hold before ``confirm``."""

    signal: Signal
    sustain_seconds: int = Field(ge=0)
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
