"""Drills: a scenario played on the local cloud, its outcome verified, its report written.

The engine is a library (the CLI only parses and prints): ``run_drill("primary-outage")`` returns a ``DrillReport``,
whose JSON form is the contract in DESIGN.md (fields may be added, never renamed).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import boto3
from pydantic import BaseModel, Field

from evac.aws.dynamodb import Ledger
from evac.domain.plan import DEFAULT_PLAN
from evacops.localcloud import LocalCloud
from evacops.localcloud.clock import DEFAULT_SPEED
from evacops.scenarios import SCENARIOS, Scenario

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from evacops.localcloud.fidelity import Latencies

Status = Literal["SUCCEEDED", "FAILED", "ABORTED", "SKIPPED"]
# Step Functions execution status -> drill status; no execution at all is SKIPPED.
_STATUS: dict[str, Status] = {
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "FAILED",
    "ABORTED": "ABORTED",
}


class EndpointReport(BaseModel):
    region: str
    name: str
    status: str
    instances: int


class PhaseReport(BaseModel):
    name: str
    start: float = Field(description="modelled seconds since the incident began")
    end: float
    seconds: float


class Check(BaseModel):
    name: str
    ok: bool
    detail: str


class DrillReport(BaseModel):
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
    error: str | None = None
    expected: bool = Field(default=False, description="the scenario's expected outcome was verified")
    checks: list[Check] = Field(default_factory=list)
    notifications: list[str] = Field(default_factory=list, description="messages published to the topics")


def run_drill(
    scenario: str,
    *,
    plan_path: str | Path = DEFAULT_PLAN,
    speed: float = DEFAULT_SPEED,
    latencies: Latencies | None = None,
    on_event: Callable[[float, dict[str, Any]], None] | None = None,
    log_file: Path | None = None,
) -> DrillReport:
    """Play ``scenario`` on a fresh local cloud; ``on_event(modelled_seconds, history_event)`` shows progress."""
    if scenario not in SCENARIOS:
        raise KeyError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    chosen = SCENARIOS[scenario]
    wall_start = time.perf_counter()
    with LocalCloud(plan_path, speed=speed, latencies=latencies, log_file=log_file) as cloud:
        plan = cloud.plan
        source, target = plan.regions.primary, plan.regions.secondary
        critical_path = _critical_path(cloud, chosen)
        began = cloud.clock.now()
        chosen.play(cloud)
        cloud.quiesce(on_event=(lambda e: on_event(_since(began, e["timestamp"], cloud), e)) if on_event else None)
        runbooks = [e for region in plan.regions.both for e in cloud.executions(region)]
        first = min(runbooks, key=lambda e: e["startDate"], default=None)
        described = _describe(first["executionArn"]) if first else {}
        ledger = Ledger(cloud.stacks[target].table, target)
        record = ledger.get(first["name"]) if first else None
        lock = ledger.lock_holder(plan.application)
        notices = [m for region in plan.regions.both for m in cloud.notifications(region)]
        endpoints = [EndpointReport(**e) for e in cloud.endpoints()]
        writer, dns = cloud.writer_region(), cloud.dns_region()
    rto = float(record["rto_seconds"]) if record and record.get("rto_seconds") is not None else None
    report = DrillReport(
        scenario=scenario,
        status=_STATUS.get(described.get("status", ""), "SKIPPED"),
        executions=len(runbooks),
        from_region=source,
        to_region=target,
        strategy=record.get("strategy") if record else None,
        writer_region=writer,
        dns_region=dns,
        endpoints=endpoints,
        rto_seconds=rto,
        critical_path_seconds=critical_path,
        overhead_ratio=round(rto / critical_path, 3) if rto and critical_path else None,
        rpo_seconds=float(record["rpo_seconds"]) if record and record.get("rpo_seconds") is not None else None,
        phases=_phases(record, began),
        wall_seconds=round(time.perf_counter() - wall_start, 2),
        incident_id=record["incident_id"] if record else None,
        error=described.get("error"),
        notifications=notices,
    )
    report.checks = _checks(report, chosen, plan.inference.endpoints, record, lock)
    report.expected = all(c.ok for c in report.checks)
    return report


def _describe(execution_arn: str) -> dict[str, Any]:
    return dict(
        boto3.client("stepfunctions", execution_arn.split(":")[3]).describe_execution(executionArn=execution_arn)
    )


def _critical_path(cloud: LocalCloud, scenario: Scenario) -> float:
    """The floor under RTO: the sustain window (when alarms trigger the run), the slower of database promotion and
    inference scale-up, then DNS propagation."""
    latencies = cloud.latencies
    database = latencies.aurora_switchover if scenario.outcome == "switchover" else latencies.aurora_failover
    target = cloud.plan.regions.secondary
    scaling = any(
        e["instances"] < cloud.plan.endpoint(e["name"]).active_instances
        for e in cloud.endpoints()
        if e["region"] == target
    )
    inference = latencies.endpoint_scale_up if scaling else 0.0
    sustain = cloud.plan.trigger.sustain_seconds if scenario.triggered else 0
    return sustain + max(database, inference) + latencies.dns_propagation


def _since(began: datetime, at: datetime, cloud: LocalCloud) -> float:
    """History timestamps are wall time: map one onto the modelled clock, as seconds since the incident began."""
    return round(cloud.clock.elapsed_at(at) - cloud.clock.seconds_since_epoch(began), 1)


def _phases(record: dict[str, Any] | None, began: datetime) -> list[PhaseReport]:
    if not record:
        return []
    phases = []
    for phase in record.get("phases", []):
        start = (datetime.fromisoformat(phase["start"]) - began).total_seconds()
        end = (datetime.fromisoformat(phase["end"]) - began).total_seconds()
        phases.append(
            PhaseReport(name=phase["name"], start=round(start, 1), end=round(end, 1), seconds=float(phase["seconds"]))
        )
    return phases


def _checks(
    report: DrillReport, scenario: Scenario, planned: list[Any], record: dict[str, Any] | None, lock: str | None
) -> list[Check]:
    runbooks = Check(
        name="executions",
        ok=report.executions == scenario.runbooks,
        detail=f"{report.executions} runbook(s) started, expected {scenario.runbooks}",
    )
    checks = [
        runbooks,
        *(
            _failed_over(report, scenario, planned, record, lock)
            if scenario.outcome != "no-failover"
            else _stayed(report)
        ),
    ]
    if scenario.notice:
        said = [m for m in report.notifications if scenario.notice in m]
        checks.append(
            Check(
                name="notified",
                ok=bool(said),
                detail=said[0][:200] if said else f"no notification says {scenario.notice!r}",
            )
        )
    return checks


def _stayed(report: DrillReport) -> list[Check]:
    home = report.from_region
    return [
        Check(name="status", ok=report.status == "SKIPPED", detail=f"runbook {report.status}"),
        Check(name="writer_region", ok=report.writer_region == home, detail=f"writer in {report.writer_region}"),
        Check(name="dns_region", ok=report.dns_region == home, detail=f"traffic to {report.dns_region}"),
    ]


def _failed_over(
    report: DrillReport, scenario: Scenario, planned: list[Any], record: dict[str, Any] | None, lock: str | None
) -> list[Check]:
    target = report.to_region
    capacity = {e.name: e.active_instances for e in planned}
    at_target = {e.name: e for e in report.endpoints if e.region == target}
    checks = [
        Check(name="status", ok=report.status == "SUCCEEDED", detail=f"runbook {report.status}"),
        Check(
            name="strategy",
            ok=report.strategy == scenario.outcome,
            detail=f"{report.strategy}, expected {scenario.outcome}",
        ),
        Check(name="writer_region", ok=report.writer_region == target, detail=f"writer in {report.writer_region}"),
        Check(name="dns_region", ok=report.dns_region == target, detail=f"traffic to {report.dns_region}"),
        Check(name="run_record", ok=record is not None, detail="run recorded" if record else "no run record"),
        Check(name="lock_released", ok=lock is None, detail="lock free" if lock is None else f"held by {lock}"),
    ]
    for name, needed in capacity.items():
        found = at_target.get(name)
        ok = found is not None and found.status == "InService" and found.instances >= needed
        detail = f"{name} in {target}: {found.status} x{found.instances}" if found else f"{name} missing in {target}"
        checks.append(Check(name=f"capacity:{name}", ok=ok, detail=f"{detail} (needs {needed})"))
    if scenario.outcome == "switchover":
        checks.append(Check(name="rpo", ok=report.rpo_seconds == 0, detail=f"RPO {report.rpo_seconds}"))
    return checks
