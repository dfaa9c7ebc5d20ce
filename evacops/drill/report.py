"""The drill report: what a drill saw and whether its expected outcome held.

Its JSON form is the drill report contract (fields may be added, never renamed), enveloped as every evac result is
(``evacops.journal``: ``"schema": "evac.result/1"``, ``"kind": "drill"``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from evacops.journal import Journaled

Status = Literal["SUCCEEDED", "FAILED", "ABORTED", "SKIPPED"]


class EndpointReport(BaseModel):
    region: str
    name: str
    status: str
    instances: int
    instance_type: str | None = None  # added: what the endpoint serves on


class PhaseReport(BaseModel):
    name: str
    start: float = Field(description="modelled seconds since the incident began")
    end: float
    seconds: float


class Verdict(BaseModel):
    """One verified fact of the drill's outcome (the report's ``checks``)."""

    name: str
    ok: bool
    detail: str


class TrafficReport(BaseModel):
    """One move of traffic to the target during the drill (the record's changes after it was created)."""

    share: int = Field(description="the target's share of traffic, percent")
    capacity: int = Field(description="the target's InService capacity share when the change was made, percent")
    submitted: float = Field(description="modelled seconds since the incident began")
    insync: float | None


class Signal(BaseModel):
    """A signal that met the quorum: the alarm, the region it lives in, the region it watches."""

    name: str
    lives_in: str
    watches: str


class DrillReport(Journaled):
    kind: Literal["drill"] = "drill"
    scenario: str
    status: Status
    executions: int
    from_region: str
    to_region: str
    strategy: Literal["switchover", "failover"] | None
    writer_region: str | None
    dns_region: str | None
    endpoints: list[EndpointReport]
    rto_seconds: float | None
    critical_path_seconds: float | None
    overhead_ratio: float | None
    rpo_seconds: float | None
    phases: list[PhaseReport]
    wall_seconds: float
    report_files: list[str] = Field(default_factory=list)
    # Added fields (the contract allows additions):
    incident_id: str | None = None
    seed: int | None = Field(
        default=None, description="what drew the dependencies' latencies (Latencies.drawn); null: the table's defaults"
    )
    error: str | None = None
    cause: str | None = Field(default=None, description="the runbook's error message: what failed, or the findings")
    capacity: list[dict[str, Any]] = Field(
        default_factory=list, description="the run record's capacity: what each target endpoint served on"
    )
    expected: bool = Field(default=False, description="the scenario's expected outcome was verified")
    checks: list[Verdict] = Field(default_factory=list)
    invariants: list[Verdict] = Field(
        default_factory=list, description="end-state checks from ground truth (evac chaos's), whatever the status"
    )
    notifications: list[str] = Field(default_factory=list, description="messages published to the topics")
    outcome: str | None = Field(default=None, description="the run's outcome as the ledger recorded it")
    predicted_rto_seconds: float | None = None
    approver: str | None = None
    records: list[dict[str, Any]] = Field(default_factory=list, description="every run record the drill left")
    dns_policy: str | None = Field(default=None, description="the plan's dns.shift policy")
    full_capacity_seconds: float | None = Field(
        default=None, description="from the first ALARM to all traffic on the target, verified (>= rto_seconds)"
    )
    traffic: list[TrafficReport] = Field(default_factory=list)
    dns_mechanism: Literal["health-check-switch", "routing-control", "record-weights"] | None = Field(
        default=None, description="what moved the traffic (the run record's); None when it did not move"
    )
    state_transitions: int = Field(default=0, description="states entered, every execution of both regions")
    lambda_invocations: int = Field(default=0, description="function invocations, both regions")
    history_events: int = Field(
        default=0,
        description="the largest runbook execution's history, in events (Step Functions fails one at 25,000)",
    )
    cold_start_seconds: float | None = Field(
        default=None,
        description=(
            "Lambda INIT time charged to invocations that started within the RTO, warm-ups apart (None without an RTO)"
        ),
    )
    detected_by: list[Signal] = Field(
        default_factory=list,
        description="the signals that met the quorum, from the runbook's input as Step Functions holds it",
    )
    rpo_estimate_seconds: float | None = Field(
        default=None, description="the RPO evac recorded (the replication lag it read; 0 for a switchover)"
    )
    rpo_observed_seconds: float | None = Field(
        default=None,
        description="the age of the newest write the new writer lacks, from the local cloud's write workload "
        "(0 if nothing was lost); null if the writer did not move",
    )
    rpo_error_seconds: float | None = Field(
        default=None, description="rpo_estimate_seconds - rpo_observed_seconds (positive: the estimate was pessimistic)"
    )
