"""Outside-in probes: the plan's ``probes`` section, and the outcome of one probe round (pure).

Each stack probes its peer region from its own region (a witness region probes the primary): a canary
InvokeEndpoint on each of the peer's endpoints, DescribeDBClusters of the peer's cluster, and the application's
regional health URL if the plan gives one. Every call is bounded by ``probes.timeout_seconds``. Each call ends
``ok``, ``failed`` (no answer in time, no connection, a 5xx, slower than its limit) or ``unknown`` (a refusal:
AccessDenied, throttling, a validation error, which says the region answers: fail closed, never a failure).
The round's failure share, failed / (ok + failed), is the metric the probe alarm watches.

Example::

    round_outcome([ProbeResult("canary", "ok"), ProbeResult("database", "failed", "timed out")]).failure_share  # 0.5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="an AWS region, e.g. us-east-1")]
Outcome = Literal["ok", "failed", "unknown"]


class Probes(BaseModel):
    """Outside-in detection: each stack probes its peer region from its own region (and a witness region probes the
    primary), publishes the failure share of each round there, and alarms on it there (docs/triggers.md).

    A region that fails takes its own alarms and EventBridge bus with it; signals that live in another region do not.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    period_seconds: int = Field(
        default=60, ge=60, le=3600, description="a probe round every this many seconds (whole minutes: a rate schedule)"
    )
    timeout_seconds: float = Field(
        default=3.0, gt=0, le=10, description="each probe call's connect and read timeout; slower counts as failed"
    )
    failure_threshold: float = Field(
        default=0.5, gt=0, le=1, description="a round whose failed share is at least this breaches the alarm"
    )
    evaluation_periods: int = Field(default=2, ge=1, le=10, description="the probe alarm's EvaluationPeriods")
    datapoints_to_alarm: int | None = Field(
        default=None, ge=1, description="the probe alarm's DatapointsToAlarm (default: evaluation_periods)"
    )
    witness: Region | None = Field(
        default=None, description="a third region whose stack only probes the primary and forwards its alarm events"
    )
    health_urls: dict[Region, Annotated[str, Field(pattern=r"^https?://")]] = Field(
        default_factory=dict, description="the application's regional health URL, probed with GET (2xx is ok)"
    )

    @model_validator(mode="after")
    def _datapoints(self) -> Probes:
        if self.datapoints_to_alarm is not None and self.datapoints_to_alarm > self.evaluation_periods:
            raise ValueError("datapoints_to_alarm cannot exceed evaluation_periods")
        if self.period_seconds % 60:
            raise ValueError(f"period_seconds must be whole minutes (a rate schedule), got {self.period_seconds}")
        return self

    @property
    def datapoints(self) -> int:
        return self.datapoints_to_alarm or self.evaluation_periods


def probe_alarm_name(application: str, watched: str, vantage: str) -> str:
    """The probe alarm the stack in ``vantage`` creates on its probes of ``watched`` (template.yaml ProbeAlarm).

    >>> probe_alarm_name("fraud-scoring", "us-east-1", "us-west-2")
    'fraud-scoring-probe-us-east-1-from-us-west-2'
    """
    return f"{application}-probe-{watched}-from-{vantage}"


@dataclass(frozen=True)
class ProbeResult:
    """One probe call's outcome; ``detail`` says what went wrong, if anything."""

    name: str
    outcome: Outcome
    detail: str = ""
    latency_ms: float | None = None


@dataclass(frozen=True)
class Round:
    """A probe round: its calls, and what the alarm sees of them."""

    results: tuple[ProbeResult, ...]

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.outcome == "failed")

    @property
    def answered(self) -> int:
        return sum(1 for r in self.results if r.outcome == "ok")

    @property
    def unknown(self) -> int:
        return sum(1 for r in self.results if r.outcome == "unknown")

    @property
    def failure_share(self) -> float | None:
        """failed / (ok + failed); None when every call was unknown (nothing to publish: no evidence either way)."""
        counted = self.failed + self.answered
        return self.failed / counted if counted else None


def round_outcome(results: list[ProbeResult]) -> Round:
    """The round as the alarm sees it (unknown calls are counted apart, never as failures)."""
    return Round(tuple(results))


def timed(name: str, latency_ms: float, limit_ms: float) -> ProbeResult:
    """An answered call: ok within ``limit_ms``, failed when slower (a gray failure is slowness too).

    >>> timed("canary fraud-scoring-xgb", 900.0, 500.0).outcome
    'failed'
    """
    if latency_ms > limit_ms:
        return ProbeResult(
            name, "failed", f"answered in {latency_ms:.0f} ms, over the {limit_ms:.0f} ms limit", latency_ms
        )
    return ProbeResult(name, "ok", "", latency_ms)
