"""What a run leaves in the ledger, failed runs included: its record (``RunRecord``), built from the runbook's state
by ``evac.domain.ledger``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from evac.domain.models import Contract, Mode, Outcome, PreflightCheck, ShiftPolicy, Strategy, TrafficStep
from evac.domain.plan_dns import Mechanism


class Phase(Contract):
    name: str
    start: datetime
    end: datetime
    seconds: float


class CapacityUsed(Contract):
    endpoint: str
    instance_type: str
    instances: int
    fallback: bool = Field(description="the plan's instance type had no capacity; a fallback type serves")
    tried: list[str] = Field(default_factory=list, description="instance types that had no capacity, in order")


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
    full_capacity_seconds: float | None = Field(
        default=None, description="from the first ALARM to all traffic on the target, verified (>= rto_seconds)"
    )
    dns_shift: ShiftPolicy | None = None
    dns_mechanism: Mechanism | None = Field(default=None, description="what moved the traffic (None: it did not move)")
    traffic: list[TrafficStep] = Field(default_factory=list, description="each verified move of traffic")
    predicted_rto_seconds: float | None = None
    approver: str | None = None
    request: dict[str, Any] | None = Field(default=None, description="the runbook input, as it arrived")
    preflight: list[PreflightCheck] = Field(default_factory=list)
    phases: list[Phase]
    rpo_over_budget: bool | None = None
    readiness_warnings: list[str] = Field(default_factory=list, description="findings preflight recorded")
    capacity: list[CapacityUsed] = Field(default_factory=list, description="what each target endpoint serves on")
    error: str | None = None
    cause: str | None = None
    resumed: bool = False
    warnings: list[str] = Field(default_factory=list)
    summary: str = Field(description="one line for the notification subject and the console")
