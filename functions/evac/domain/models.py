"""Contracts at every state boundary of the runbook: what each step takes and returns.

The state document the runbook carries is ``{"request": the runbook input, "execution": its name, "run": Run,
"preflight": Preflight, "promotion": [database Poll, inference Poll], "dns": Poll, "verification": Verification,
"error": {"Error", "Cause"}}``; each task's ``Parameters`` pick the parts its step needs, and each step
returns JSON dumped from one of these models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Mode = Literal["planned", "unplanned"]
Strategy = Literal["switchover", "failover"]
Outcome = Literal["SUCCEEDED", "FAILED", "ABORTED"]
IncidentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,80}$", description="also the execution name")]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]


class Contract(BaseModel):
    """Unknown fields are errors: a typo in a drill input must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class RunbookInput(Contract):
    """What starts a runbook: the trigger's output, a drill input from ``events/``, or a person in the console."""

    incident_id: IncidentId
    mode: Mode = Field(description="planned: switchover, no data loss; unplanned: failover, the primary is gone")
    target_region: Region | None = Field(default=None, description="default: the region that is not the writer")
    detected_at: AwareDatetime | None = Field(default=None, description="first ALARM of the incident; default: now")
    reason: str = Field(default="", max_length=1024)


class Run(Contract):
    """The decisions made once at the start of a run and carried by every later step."""

    incident_id: IncidentId
    application: str
    mode: Mode
    strategy: Strategy
    source_region: Region
    target_region: Region
    detected_at: AwareDatetime
    started_at: AwareDatetime
    rpo_seconds: float | None = Field(description="estimated data loss; 0 for a switchover; None if unknown")
    reason: str = ""


class StepInput(Contract):
    run: Run


class Check(Contract):
    name: str
    ok: bool
    detail: str


class Preflight(Contract):
    checks: list[Check]
    started_at: AwareDatetime
    ended_at: AwareDatetime


class Poll(Contract):
    """A change in flight: started by one step, then polled by a Wait + check loop in the ASL until ``done``."""

    started_at: AwareDatetime
    attempt: int = 0
    done: bool = False
    ended_at: AwareDatetime | None = None
    ref: str | None = Field(default=None, description="what to poll, e.g. the Route 53 change id")
    wait_seconds: int = Field(default=5, ge=1, description="how long the ASL's Wait sleeps before the next poll")
    detail: dict[str, Any] = Field(default_factory=dict)


class PollInput(StepInput):
    poll: Poll


class Canary(Contract):
    endpoint: str
    region: Region
    latency_ms: float
    limit_ms: int
    ok: bool


class Verification(Contract):
    writer_region: Region
    dns_region: Region
    weights: dict[str, int]
    canaries: list[Canary]
    started_at: AwareDatetime
    ended_at: AwareDatetime


class VerifyInput(StepInput):
    dns: Poll


class StepError(Contract):
    """What a Catch puts at ``$.error``."""

    model_config = ConfigDict(extra="ignore")
    Error: str
    Cause: str = ""


class RecordInput(Contract):
    """Everything the run produced, on success or at the failure that stopped it."""

    model_config = ConfigDict(extra="ignore")
    run: Run | None = None
    execution: str | None = Field(default=None, description="the execution's name: the incident id")
    request: dict[str, Any] | None = Field(default=None, description="the raw runbook input, valid or not")
    preflight: Preflight | None = None
    promotion: tuple[Poll, Poll] | None = Field(
        default=None, description="(database, inference): the Parallel state's branch results, in branch order"
    )
    dns: Poll | None = None
    verification: Verification | None = None
    error: StepError | None = None


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


class Confirmation(Contract):
    """``confirm``'s answer; on ``start`` the watch starts the runbook named ``execution`` with ``request``."""

    action: Literal["start", "wait", "ignore", "reject"]
    reason: str
    held_back: bool = False
    execution: str | None = None
    request: RunbookInput | None = None


class Phase(Contract):
    name: str
    start: datetime
    end: datetime
    seconds: float


class RunRecord(Contract):
    """The evidence a run leaves in the ledger, failed runs included."""

    incident_id: str
    application: str
    outcome: Outcome
    mode: Mode | None
    strategy: Strategy | None
    source_region: str | None
    target_region: str | None
    detected_at: datetime | None
    recorded_at: datetime
    rto_seconds: float | None
    rpo_seconds: float | None
    phases: list[Phase]
    error: str | None = None
    cause: str | None = None
    summary: str = Field(description="one line for the notification subject and the console")
