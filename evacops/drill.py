"""Drills: a scenario played on the local cloud, its outcome verified, its report written.

The engine is a library (the CLI only parses and prints): ``run_drill("primary-outage")`` returns a ``DrillReport``,
whose JSON form is the contract in DESIGN.md (fields may be added, never renamed).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import boto3
from pydantic import BaseModel, Field

from evac.aws.dynamodb import Ledger
from evac.domain.ledger import ABORTING_ERRORS
from evac.domain.plan import DEFAULT_PLAN
from evacops.localcloud import LocalCloud
from evacops.localcloud.clock import DEFAULT_SPEED
from evacops.plans import derive, write
from evacops.scenarios import SCENARIOS, Options, Outcome, Scenario
from evacops.traffic import Move, moves, overloads

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path

    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud.faults import Fault
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
    instance_type: str | None = None  # added: what the endpoint serves on


class PhaseReport(BaseModel):
    name: str
    start: float = Field(description="modelled seconds since the incident began")
    end: float
    seconds: float


class Check(BaseModel):
    name: str
    ok: bool
    detail: str


class TrafficReport(BaseModel):
    """One move of traffic to the target during the drill (the record's changes after it was created)."""

    share: int = Field(description="the target's share of traffic, percent")
    capacity: int = Field(description="the target's InService capacity share when the change was made, percent")
    submitted: float = Field(description="modelled seconds since the incident began")
    insync: float | None


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
    cause: str | None = Field(default=None, description="the runbook's error message: what failed, or the findings")
    capacity: list[dict[str, Any]] = Field(
        default_factory=list, description="the run record's capacity: what each target endpoint served on"
    )
    expected: bool = Field(default=False, description="the scenario's expected outcome was verified")
    checks: list[Check] = Field(default_factory=list)
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
    state_transitions: int = Field(default=0, description="states entered, every execution of both regions")
    lambda_invocations: int = Field(default=0, description="function invocations, both regions")


def run_drill(
    scenario: str,
    *,
    plan_path: str | Path = DEFAULT_PLAN,
    speed: float = DEFAULT_SPEED,
    latencies: Latencies | None = None,
    options: Options | None = None,
    on_event: Callable[[float, dict[str, Any]], None] | None = None,
    log_file: Path | None = None,
    serve: bool = False,
    faults: Sequence[Fault] = (),
    inspect: Callable[[LocalCloud, DrillReport], None] | None = None,
) -> DrillReport:
    """Play ``scenario`` on a fresh local cloud; ``on_event(modelled_seconds, history_event)`` shows progress.

    ``faults`` are injected before the scenario plays; ``inspect(cloud, report)`` sees the cloud before it closes
    (the chaos matrix checks its invariants there).
    """
    if scenario not in SCENARIOS:
        raise KeyError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    chosen, options = SCENARIOS[scenario], options or Options()
    wall_start = time.perf_counter()
    with (
        _scenario_plan(chosen, plan_path) as plan_file,
        LocalCloud(plan_file, speed=speed, latencies=latencies, log_file=log_file) as cloud,
    ):
        plan = cloud.plan
        home, away = plan.regions.primary, plan.regions.secondary
        target = home if chosen.outcome == "failback" else away
        if chosen.prepare:
            chosen.prepare(cloud)
        critical_path = _critical_path(cloud, chosen, target)
        if serve:
            cloud.serve()
        for fault in faults:
            cloud.faults.inject(fault)
        began, began_elapsed = cloud.clock.now(), cloud.clock.elapsed()
        chosen.play(cloud, options)
        cloud.quiesce(on_event=(lambda e: on_event(_since(began, e["timestamp"], cloud), e)) if on_event else None)
        runbooks = sorted(
            (e for region in plan.regions.both for e in cloud.executions(region)), key=lambda e: e["startDate"]
        )
        last = runbooks[-1] if runbooks else None
        ran_in = last["executionArn"].split(":")[3] if last else target
        described = _describe(last["executionArn"]) if last else {}
        ledger = Ledger(cloud.stacks[ran_in].table, ran_in)
        record = ledger.get(last["name"]) if last else None
        records = [r for region in plan.regions.both for r in Ledger(cloud.stacks[region].table, region).runs()]
        lock = ledger.lock_holder(plan.application)
        notices = [m for region in plan.regions.both for m in cloud.notifications(region)]
        endpoints = [EndpointReport(**e) for e in cloud.endpoints()]
        writer, dns = cloud.writer_region(), cloud.dns_region()
        moved, transitions = moves(cloud), _state_transitions(cloud)
        invocations = len(cloud.runtime.invocations)
        origin = _origin(record, began) - cloud.clock.epoch
        extra = chosen.checks(cloud, began_elapsed) if chosen.checks else []
        rto = _number(record, "rto_seconds")
        report = DrillReport(
            scenario=scenario,
            status=_status(described),
            executions=len(runbooks),
            from_region=(record or {}).get("source_region") or plan.peer(target),
            to_region=(record or {}).get("target_region") or target,
            strategy=record.get("strategy") if record else None,
            writer_region=writer,
            dns_region=dns,
            endpoints=endpoints,
            rto_seconds=rto,
            critical_path_seconds=critical_path,
            overhead_ratio=round(rto / critical_path, 3) if rto and critical_path else None,
            rpo_seconds=_number(record, "rpo_seconds"),
            phases=_phases(record, began),
            wall_seconds=round(time.perf_counter() - wall_start, 2),
            incident_id=record["incident_id"] if record else (last["name"] if last else None),
            error=described.get("error"),
            cause=_message(described.get("cause")),
            capacity=list(record.get("capacity", [])) if record else [],
            outcome=record.get("outcome") if record else None,
            predicted_rto_seconds=_number(record, "predicted_rto_seconds"),
            approver=record.get("approver") if record else None,
            notifications=notices,
            records=records,
            dns_policy=plan.dns.shift.policy,
            full_capacity_seconds=_number(record, "full_capacity_seconds"),
            traffic=_traffic(moved, (record or {}).get("target_region") or target, origin.total_seconds()),
            state_transitions=transitions,
            lambda_invocations=invocations,
        )
        report.checks = _checks(report, chosen.expected(options), chosen, plan, lock)
        if report.status == "SUCCEEDED" and report.executions:
            report.checks.append(_within_capacity(moved))
        report.checks += [Check(name=name, ok=ok, detail=detail) for name, ok, detail in extra]
        report.expected = all(c.ok for c in report.checks)
        if inspect:
            inspect(cloud, report)
    report.wall_seconds = round(time.perf_counter() - wall_start, 2)
    return report


@contextmanager
def _scenario_plan(scenario: Scenario, plan_path: str | Path) -> Iterator[str | Path]:
    """The plan the scenario runs on: the one given, or a copy with the scenario's own DNS shift policy."""
    if scenario.shift is None:
        yield plan_path
        return
    with tempfile.TemporaryDirectory(prefix="evac-drill-") as directory:
        yield write(derive(plan_path, shift=scenario.shift), directory, f"{scenario.name}.yaml")


def _number(record: dict[str, Any] | None, key: str) -> float | None:
    value = (record or {}).get(key)
    return None if value is None else float(value)


def _message(cause: str | None) -> str | None:
    """A failed Lambda task's cause is Lambda's error payload (JSON): its ``errorMessage`` is what evac said."""
    try:
        payload = json.loads(cause or "")
    except ValueError:
        return cause
    return str(payload.get("errorMessage", cause)) if isinstance(payload, dict) else cause


def _status(described: dict[str, Any]) -> Status:
    if described.get("error") in ABORTING_ERRORS:
        return "ABORTED"
    return _STATUS.get(described.get("status", ""), "SKIPPED")


def _describe(execution_arn: str) -> dict[str, Any]:
    return dict(
        boto3.client("stepfunctions", execution_arn.split(":")[3]).describe_execution(executionArn=execution_arn)
    )


def _critical_path(cloud: LocalCloud, scenario: Scenario, target: str) -> float:
    """The floor under RTO: the sustain window (when alarms trigger the run), the slower of database promotion and
    the capacity DNS waits for, then DNS propagation. DNS waits for every instance (``scale-then-shift``) or for the
    plan's minimum share (``follow-capacity``), as the local cloud brings instances into service."""
    latencies = cloud.latencies
    planned = scenario.outcome in ("switchover", "failback")
    database = latencies.aurora_switchover if planned else latencies.aurora_failover
    shift = cloud.plan.dns.shift
    share = 1.0 if shift.policy == "scale-then-shift" else shift.minimum_share
    inference = 0.0
    for found in cloud.endpoints():
        if found["region"] != target:
            continue
        active = cloud.plan.endpoint(found["name"]).active_instances
        needed = math.ceil(share * active - 1e-9) - found["instances"]
        if needed > 0:
            inference = max(inference, cloud.sagemaker.arrivals(found["instances"], active)[needed - 1])
    if _short_of_capacity(cloud, target):  # the failed scale-up and its rollback come before the fallback's
        inference += latencies.endpoint_capacity_failure + latencies.endpoint_rollback
    sustain = cloud.plan.trigger.sustain_seconds if scenario.triggered else 0
    return sustain + max(database, inference) + latencies.dns_propagation


def _short_of_capacity(cloud: LocalCloud, target: str) -> bool:
    """Whether ``target`` has no room for some endpoint's active capacity on its instance type."""
    return any(
        cloud.sagemaker.capacity.get((target, endpoint.instance_type), endpoint.active_instances)
        < endpoint.active_instances
        for endpoint in cloud.plan.inference.endpoints
    )
def _state_transitions(cloud: LocalCloud) -> int:
    """What Step Functions bills for: every state entered, in every execution of every state machine (the confirmation
    watches and the runbooks, Map iterations included), in both regions."""
    count = 0
    for region, deployed in cloud.stacks.items():
        sfn = boto3.client("stepfunctions", region)
        for machine in deployed.state_machine_arns:
            for execution in cloud.executions(region, machine):
                events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
                count += sum(1 for e in events if e["type"].endswith("StateEntered"))
    return count


def _origin(record: dict[str, Any] | None, began: datetime) -> datetime:
    """When the incident began: its first ALARM (or its request), else when the scenario began to play."""
    return datetime.fromisoformat(record["detected_at"]) if record and record.get("detected_at") else began


def _traffic(found: list[Move], target: str, origin: float) -> list[TrafficReport]:
    """The moves of traffic to ``target``, the record's creation left out, in seconds since the incident began."""
    return [
        TrafficReport(
            share=move.shares[target],
            capacity=move.capacity[target],
            submitted=round(move.submitted - origin, 1),
            insync=round(move.insync - origin, 1) if move.insync is not None else None,
        )
        for move in found[1:]
    ]


def _within_capacity(found: list[Move]) -> Check:
    """Principle 2 as the local cloud saw it: no region was ever sent more traffic than its InService capacity."""
    over = overloads(found)
    detail = "; ".join(over) if over else f"{len(found)} record change(s), each within the capacity serving it"
    return Check(name="traffic_within_capacity", ok=not over, detail=detail)


def _since(began: datetime, at: datetime, cloud: LocalCloud) -> float:
    """History timestamps are wall time: map one onto the modelled clock, as seconds since the incident began."""
    return round(cloud.clock.elapsed_at(at) - cloud.clock.seconds_since_epoch(began), 1)


def _phases(record: dict[str, Any] | None, began: datetime) -> list[PhaseReport]:
    """The run's phases in seconds since its incident began (its first ALARM, or its request)."""
    if not record:
        return []
    origin = _origin(record, began)
    return [
        PhaseReport(
            name=phase["name"],
            start=round((datetime.fromisoformat(phase["start"]) - origin).total_seconds(), 1),
            end=round((datetime.fromisoformat(phase["end"]) - origin).total_seconds(), 1),
            seconds=float(phase["seconds"]),
        )
        for phase in record.get("phases", [])
    ]


def _checks(
    report: DrillReport, outcome: Outcome, scenario: Scenario, plan: RecoveryPlan, lock: str | None
) -> list[Check]:
    runbooks = 1 if outcome == "aborted" else scenario.runbooks
    checks = [
        Check(
            name="executions",
            ok=report.executions == runbooks,
            detail=f"{report.executions} runbook(s) started, expected {runbooks}",
        )
    ]
    if outcome in ("no-failover", "aborted", "dry-run"):
        checks += _stayed(report, outcome, plan, lock)
    elif outcome == "failed":
        checks += _failed(report, scenario, plan, lock)
    else:
        checks += _moved(report, outcome, plan, lock)
    if outcome in ("failover", "switchover", "failback", "failed") and report.incident_id:
        told = [m for m in report.notifications if report.incident_id in m]
        detail = told[-1][:200] if told else f"no notification names {report.incident_id}"
        checks.append(Check(name="notified:run", ok=bool(told), detail=detail))
    if scenario.notice:
        said = [m for m in report.notifications if scenario.notice in m]
        detail = said[0][:200] if said else f"no notification says {scenario.notice!r}"
        checks.append(Check(name="notified", ok=bool(said), detail=detail))
    if scenario.error:
        checks.append(
            Check(name="error", ok=report.error == scenario.error, detail=f"{report.error}, expected {scenario.error}")
        )
    if scenario.fallback:
        checks += _fell_back(report, plan)
    if scenario.shift is not None and outcome == "failover":
        checks += _followed_capacity(report, plan)
    if scenario.name == "game-day" and outcome == "switchover":
        approved = any(p.name == "approval" for p in report.phases)
        checks.append(Check(name="approval", ok=approved and bool(report.approver), detail=f"by {report.approver}"))
    return checks


def _followed_capacity(report: DrillReport, plan: RecoveryPlan) -> list[Check]:
    """Traffic followed capacity: it first moved while the target was still scaling up, and moved again after."""
    shares = [(move.share, move.capacity) for move in report.traffic]
    first = report.traffic[0] if report.traffic else None
    minimum = plan.dns.shift.minimum_percent
    return [
        Check(
            name="first_share",
            ok=first is not None and minimum <= first.share < 100 and first.capacity < 100,
            detail=f"(share, capacity) of each move: {shares}",
        ),
        Check(
            name="full_traffic",
            ok=bool(shares) and shares[-1][0] == 100 and report.full_capacity_seconds is not None,
            detail=f"all traffic verified on the target at {report.full_capacity_seconds} s",
        ),
    ]


def _stayed(report: DrillReport, outcome: Outcome, plan: RecoveryPlan, lock: str | None) -> list[Check]:
    home = plan.regions.primary
    expected_status = {"no-failover": "SKIPPED", "aborted": "ABORTED", "dry-run": "SUCCEEDED"}[outcome]
    checks = [
        Check(name="status", ok=report.status == expected_status, detail=f"runbook {report.status}"),
        Check(name="writer_region", ok=report.writer_region == home, detail=f"writer in {report.writer_region}"),
        Check(name="dns_region", ok=report.dns_region == home, detail=f"traffic to {report.dns_region}"),
    ]
    if outcome == "aborted":  # refused before any change: the standby is as it was
        at_target = [e for e in report.endpoints if e.region == report.to_region]
        standby = {e.name: max(e.standby_instances, 1) for e in plan.inference.endpoints}
        checks.append(
            Check(
                name="standby_untouched",
                ok=all(e.instances == standby[e.name] for e in at_target),
                detail=", ".join(f"{e.name} x{e.instances}" for e in at_target),
            )
        )
    if outcome != "no-failover":
        recorded = {"aborted": "ABORTED", "dry-run": "DRY_RUN"}[outcome]
        checks += [
            Check(name="run_record", ok=report.outcome == recorded, detail=f"recorded as {report.outcome}"),
            Check(name="lock_released", ok=lock is None, detail="lock free" if lock is None else f"held by {lock}"),
        ]
    if outcome == "dry-run":
        checks.append(
            Check(
                name="prediction",
                ok=report.predicted_rto_seconds is not None and report.strategy is not None,
                detail=f"would {report.strategy} in about {report.predicted_rto_seconds} s",
            )
        )
    return checks


def _failed(report: DrillReport, scenario: Scenario, plan: RecoveryPlan, lock: str | None) -> list[Check]:
    """A failure with no good outcome: stopped with its named error before DNS moved, recorded, unlocked."""
    home = plan.regions.primary
    checks = [
        Check(name="status", ok=report.status == "FAILED", detail=f"runbook {report.status}"),
        Check(name="dns_region", ok=report.dns_region == home, detail=f"traffic to {report.dns_region}"),
        Check(name="run_record", ok=report.outcome == "FAILED", detail=f"recorded as {report.outcome}"),
        Check(name="lock_released", ok=lock is None, detail="lock free" if lock is None else f"held by {lock}"),
    ]
    if scenario.writer:
        where = home if scenario.writer == "home" else plan.peer(home)
        checks.append(
            Check(name="writer_region", ok=report.writer_region == where, detail=f"writer in {report.writer_region}")
        )
    return checks


def _moved(report: DrillReport, outcome: Outcome, plan: RecoveryPlan, lock: str | None) -> list[Check]:
    target = report.to_region
    strategy = "switchover" if outcome == "failback" else outcome
    checks = [
        Check(name="status", ok=report.status == "SUCCEEDED", detail=f"runbook {report.status}"),
        Check(name="strategy", ok=report.strategy == strategy, detail=f"{report.strategy}, expected {strategy}"),
        Check(name="writer_region", ok=report.writer_region == target, detail=f"writer in {report.writer_region}"),
        Check(name="dns_region", ok=report.dns_region == target, detail=f"traffic to {report.dns_region}"),
        Check(name="run_record", ok=report.outcome == "SUCCEEDED", detail=f"recorded as {report.outcome}"),
        Check(name="lock_released", ok=lock is None, detail="lock free" if lock is None else f"held by {lock}"),
    ]
    for endpoint in plan.inference.endpoints:
        wanted = {target: endpoint.active_instances}
        if outcome == "failback":  # capacities as they began: the other region back to warm standby
            wanted[plan.peer(target)] = max(endpoint.standby_instances, 1)
        for region, needed in wanted.items():
            found = next((e for e in report.endpoints if e.region == region and e.name == endpoint.name), None)
            ok = found is not None and found.status == "InService" and found.instances == needed
            detail = f"{found.status} x{found.instances}" if found else "missing"
            checks.append(
                Check(name=f"capacity:{endpoint.name}@{region}", ok=ok, detail=f"{detail} (expected x{needed})")
            )
    if strategy == "switchover":
        checks.append(Check(name="rpo", ok=report.rpo_seconds == 0, detail=f"RPO {report.rpo_seconds}"))
    return checks


def _fell_back(report: DrillReport, plan: RecoveryPlan) -> list[Check]:
    """Each endpoint serves on its first fallback instance type, and the run record says so."""
    checks = []
    for endpoint in plan.inference.endpoints:
        used = next((c for c in report.capacity if c["endpoint"] == endpoint.name), None)
        wanted = endpoint.fallback_instance_types[0] if endpoint.fallback_instance_types else None
        ok = used is not None and used["fallback"] and used["instance_type"] == wanted
        detail = f"recorded {used}" if used else "no capacity recorded"
        checks.append(Check(name=f"fallback:{endpoint.name}", ok=ok, detail=f"{detail}; expected {wanted}"))
    return checks
