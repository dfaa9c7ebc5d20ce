"""Contracts at every state boundary of the runbook: what each step takes and returns.

The state document the runbook carries is ``{"request": the runbook input, "execution": its name, "run": Run,
"preflight": Preflight, "promotion": [database Poll, [one Poll per endpoint]], "dns": Poll, "verification":
Verification, "error": {"Error", "Cause"}}``; each task's ``Parameters`` pick the parts its step needs, and each step
returns JSON dumped from one of these models. ``dns`` and ``verification`` start as null: a traffic ramp passes each
step the previous one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from evac.domain.plan_dns import Mechanism

if TYPE_CHECKING:
    from datetime import datetime

Mode = Literal["planned", "unplanned", "dry-run"]
Approval = Literal["required", "none"]
Strategy = Literal["switchover", "failover"]
ShiftPolicy = Literal["scale-then-shift", "follow-capacity"]
Outcome = Literal["SUCCEEDED", "FAILED", "ABORTED", "DRY_RUN"]
CheckStatus = Literal["pass", "fail", "unknown"]
Severity = Literal["critical", "warning"]
IncidentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,80}$", description="also the execution name")]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]


class Contract(BaseModel):
    """Unknown fields are errors: a typo in a drill input must not pass silently."""

    # Validators are built on first use: a handler's cold start builds only the contracts it reads and writes (the
    # module's import takes half the time).
    model_config = ConfigDict(extra="forbid", defer_build=True)


class RunbookInput(Contract):
    """What starts a runbook: the trigger's output, a drill input from ``events/``, or a person in the console."""

    incident_id: IncidentId
    mode: Mode = Field(
        description="planned: switchover, no data loss; unplanned: failover, the primary is gone; "
        "dry-run: plan and preflight only, nothing changes"
    )
    approval: Approval | None = Field(
        default=None,
        description="required: pause for a person before any change (game days); none: never; "
        "default: required only when an unplanned run's RPO estimate exceeds the plan's budget",
    )
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
    rpo_over_budget: bool = Field(
        default=False, description="an unplanned run whose RPO estimate exceeds the plan's budget, or is unknown"
    )
    approval_required: bool = False
    approval_timeout_seconds: int = 3600
    lock_expires_at: AwareDatetime | None = Field(
        default=None, description="the lease of the run's lock: an expired lock may be taken over by another incident"
    )
    predicted_rto_seconds: float | None = Field(
        default=None, description="from the plan's expectations: what the run should take"
    )
    endpoints: list[str] = Field(default_factory=list, description="the plan's endpoints: the Map states' items")
    resources: list[str] = Field(default_factory=list, description="the plan's resources: recovered if any")
    dns_shift: ShiftPolicy = Field(default="scale-then-shift", description="the plan's dns.shift.policy")
    reason: str = ""
    resumed: bool = Field(default=False, description="an earlier run of this incident went to the same target")
    warnings: list[str] = Field(default_factory=list, description="what could not be done and did not stop the run")
    finish_by_hand: str = Field(
        default="", description="the commands that finish this failover by hand, for an escalation's notification"
    )


class StepInput(Contract):
    run: Run


class PreflightCheck(Contract):
    """One thing preflight verified before anything changes (the target cluster, an endpoint, the record sets)."""

    name: str
    ok: bool
    detail: str


class ReadinessCheck(Contract):
    """One readiness finding: what was checked, what it read, and what to do if it did not pass."""

    name: str = Field(pattern=r"^[a-z0-9]+\.[a-z0-9_]+$", description="service.check, e.g. s3.replication")
    status: CheckStatus = Field(description="unknown: could not be read, never a pass")
    severity: Severity = Field(description="critical: the target cannot serve the model as the source does")
    resource: str = Field(default="", description="what was checked: a bucket, a table, an endpoint...")
    evidence: str = Field(description="what was read")
    remediation: str = ""

    @property
    def blocking(self) -> bool:
        """A critical check that failed: the automatic path must not fail over into it."""
        return self.severity == "critical" and self.status == "fail"

    def summary(self) -> str:
        where = f" {self.resource}" if self.resource else ""
        return f"{self.name}{where}: {self.status}, {self.evidence}"


class MlStateLag(Contract):
    """How far one part of the model state the target holds lags behind the source's (``seconds`` None: unknown)."""

    item: str = Field(description="model_package, model_artifact, model_image or feature_table")
    resource: str
    seconds: float | None = Field(description="0: the target holds the source's newest; None: could not be read")
    evidence: str


class Readiness(Contract):
    """Can ``target_region`` serve the model as ``source_region`` does, now? ``ready``: every critical check passed.

    ``ml_state_lag_seconds``: how old the model state the target holds is next to the source's, its oldest part
    (None when a part could not be read); ``ml_state``: each part; ``ml_state_budget_seconds``: the plan's budget.
    """

    ready: bool
    application: str
    source_region: Region
    target_region: Region
    checked_at: AwareDatetime
    checks: list[ReadinessCheck]
    ml_state_lag_seconds: float | None = None
    ml_state_budget_seconds: int | None = None
    ml_state: list[MlStateLag] = Field(default_factory=list)

    @property
    def blocking(self) -> list[ReadinessCheck]:
        return [c for c in self.checks if c.blocking]

    @property
    def findings(self) -> list[ReadinessCheck]:
        """Every check that did not pass."""
        return [c for c in self.checks if c.status != "pass"]

    def carried(self) -> ReadinessFindings:
        """What a run carries of this report: its findings, critical first, at most ``FINDINGS_CARRIED``."""
        findings = sorted(self.findings, key=lambda c: c.severity != "critical")
        return ReadinessFindings(
            ready=self.ready,
            source_region=self.source_region,
            target_region=self.target_region,
            checked_at=self.checked_at,
            checks=len(self.checks),
            findings=findings[:FINDINGS_CARRIED],
            more=max(len(findings) - FINDINGS_CARRIED, 0),
        )


# How many readiness findings a run carries (preflight's output, the approval request, the record's warnings). A
# state's input and output is 256 KiB at most in Step Functions, and a result over it fails the execution past every
# Catch: the whole report (about 1.5 KB an endpoint) did at some 170 endpoints, at preflight, with the lock held.
# The scheduled report and `evac readiness` give every check.
FINDINGS_CARRIED = 20


class ReadinessFindings(Contract):
    """The part of a readiness report a run carries: the findings a person reads before approving."""

    ready: bool
    source_region: Region
    target_region: Region
    checked_at: AwareDatetime
    checks: int = Field(description="how many checks were read")
    findings: list[ReadinessCheck] = Field(description="checks that did not pass, critical first")
    more: int = Field(default=0, description="findings left out of ``findings`` (FINDINGS_CARRIED)")

    def summaries(self) -> list[str]:
        """One line per finding carried, and one for those left out."""
        lines = [f"{c.severity}: {c.summary()}" for c in self.findings]
        return lines + ([f"{self.more} more findings: evac readiness lists every check"] if self.more else [])


class ReadinessInput(Contract):
    """What the scheduled readiness function (and ``evac readiness``) asks."""

    target_region: Region | None = Field(
        default=None, description="default: the region a failover would promote now (the peer of the writer)"
    )


class Preflight(Contract):
    checks: list[PreflightCheck]
    readiness: ReadinessFindings | None = None
    warnings: list[str] = Field(
        default_factory=list, description="readiness findings recorded without blocking the run"
    )
    not_ready: str | None = Field(
        default=None,
        description="why the target cannot take an unplanned run (readiness.on_critical: approve): a person decides",
    )
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
    check_at: AwareDatetime | None = Field(
        default=None, description="when to poll next (a Wait's TimestampPath): started + wait, whole seconds"
    )
    detail: dict[str, Any] = Field(default_factory=dict)


class PollInput(StepInput):
    poll: Poll


class EndpointPolls(Contract):
    """Every endpoint's poll, checked by one step a round (the runbook's ``AwaitEndpoints`` loop and the
    follow-capacity ramp's ``CheckCapacity``): a handful of history events a round whatever the number of endpoints,
    where a Map iteration per endpoint per round nears Step Functions' 25,000-event limit on an execution's history
    at scale (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)."""

    polls: list[Poll]
    done: bool = Field(default=False, description="every endpoint serves at capacity")
    attempt: int = Field(default=0, description="the most polls an endpoint still pending has had (the ASL bounds it)")
    check_at: AwareDatetime | None = Field(
        default=None, description="when the first pending poll is due (the Wait's TimestampPath)"
    )


class EndpointPollsInput(StepInput):
    polls: list[Poll]
    look: Literal["due", "all"] = Field(
        default="due",
        description="check the pending polls whose check_at has come (the scale-up wait), or all of them (the ramp)",
    )


class PromoteInput(StepInput):
    """``PromoteDatabase``; with ``back``, the failure path's ``SwitchBack`` (a failed planned run putting the writer
    back in its source), polled: ``poll`` is null the first time."""

    back: bool = False
    poll: Poll | None = None


class EndpointInput(StepInput):
    """One iteration of the runbook's ``ScaleEndpoints`` Map: the run and one of its endpoints."""

    endpoint: str


class ShiftInput(StepInput):
    """``ShiftDns``: the run and the previous DNS step (null the first time)."""

    previous: Poll | None = None


class CanaryVerdict(Contract):
    """A canary inference judged against the plan's latency limit: ``ok`` if it answered within ``limit_ms``."""

    endpoint: str
    region: Region
    latency_ms: float
    limit_ms: int
    ok: bool


class TrafficStep(Contract):
    """One verified move of traffic: the target's share (percent), the InService capacity share that allowed it, when
    the record changed, when the change was INSYNC and when verification proved the target serves it."""

    weight: int = Field(ge=0, le=100)
    capacity: int = Field(ge=0, le=100)
    shifted_at: AwareDatetime
    insync_at: AwareDatetime | None
    verified_at: AwareDatetime


class Verification(Contract):
    writer_region: Region
    dns_region: Region
    weights: dict[str, int]
    canaries: list[CanaryVerdict]
    started_at: AwareDatetime
    ended_at: AwareDatetime
    weight: int = Field(default=100, ge=0, le=100, description="the target's verified share of traffic, percent")
    capacity: int = Field(default=100, ge=0, le=100, description="the target's InService capacity share, percent")
    steps: list[TrafficStep] = Field(default_factory=list, description="every verified move of this run, in order")
    dns_mechanism: Mechanism = Field(default="record-weights", description="what moved the traffic last")

    @property
    def recovered_at(self) -> datetime:
        """The end of the first verification: the target serves (the plan's minimum share, at least)."""
        return self.steps[0].verified_at if self.steps else self.ended_at


class VerifyInput(StepInput):
    dns: Poll
    previous: Verification | None = Field(default=None, description="the last verified step of a traffic ramp")


class StepError(Contract):
    """What a Catch puts at ``$.error``."""

    model_config = ConfigDict(extra="ignore")
    Error: str
    Cause: str = ""

    @field_validator("Cause", mode="before")
    @classmethod
    def _no_cause(cls, value: object) -> object:
        return "" if value is None else value  # SendTaskFailure and some integrations leave Cause out


class ApprovalRequest(StepInput):
    """What the approval step receives: the run, its preflight, and the task token a person's answer returns."""

    preflight: Preflight
    token: str = Field(min_length=1)


class ApprovalDecision(Contract):
    """What a person's approval sends back to the runbook (``SendTaskSuccess`` output), kept at ``$.approval``."""

    approver: str
    requested_at: AwareDatetime
    decided_at: AwareDatetime
    comment: str = ""


class Standby(Contract):
    """The old active region, returned to warm standby after a planned move."""

    region: Region
    endpoints: dict[str, int]
    started_at: AwareDatetime
    ended_at: AwareDatetime


class RecordInput(Contract):
    """Everything the run produced, on success or at the failure that stopped it."""

    model_config = ConfigDict(extra="ignore")
    run: Run | None = None
    execution: str | None = Field(default=None, description="the execution's name: the incident id")
    request: dict[str, Any] | None = Field(default=None, description="the raw runbook input, valid or not")
    preflight: Preflight | None = None
    promotion: tuple[Poll, list[Poll]] | tuple[Poll, list[Poll], list[Poll]] | None = Field(
        default=None,
        description="(database, one poll per endpoint, one per resource): the Parallel's branch results, in order",
    )
    approval: ApprovalDecision | None = None
    capacity: EndpointPolls | None = Field(
        default=None, description="a follow-capacity ramp's latest look at each endpoint (its fallbacks, if any)"
    )
    dns: Poll | None = None
    verification: Verification | None = None
    standby: Standby | None = None
    standby_error: StepError | None = Field(default=None, description="the old region could not be stood down")
    error: StepError | None = None
