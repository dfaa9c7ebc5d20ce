"""Verdicts: whether a drill's end state is the outcome its scenario expects.

Each verdict is a ``Verdict`` (name, ok, detail) in the drill report's ``checks``. They judge only the report, which
the engine fills from the local cloud's ground truth (``evacops.drill.observation``), and the plan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evacops.drill.moves import overloads
from evacops.drill.report import Verdict

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.drill.moves import Move
    from evacops.drill.report import DrillReport
    from evacops.drill.scenarios import Outcome, Scenario


def verdicts(
    report: DrillReport, outcome: Outcome, scenario: Scenario, plan: RecoveryPlan, lock: str | None
) -> list[Verdict]:
    """The scenario's expected ``outcome`` checked on the report: runbooks started, then what stayed, failed or moved,
    the notifications, the error, and the scenario's particulars (fallback, traffic following capacity, approval)."""
    runbooks = 1 if outcome == "aborted" else scenario.runbooks
    checks = [
        Verdict(
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
    if outcome in ("failover", "switchover", "failback", "failed") and report.incident_id and not scenario.arc:
        told = [m for m in report.notifications if report.incident_id in m]
        detail = told[-1][:200] if told else f"no notification names {report.incident_id}"
        checks.append(Verdict(name="notified:run", ok=bool(told), detail=detail))
    if scenario.notice:
        said = [m for m in report.notifications if scenario.notice in m]
        detail = said[0][:200] if said else f"no notification says {scenario.notice!r}"
        checks.append(Verdict(name="notified", ok=bool(said), detail=detail))
    if scenario.error and outcome in ("aborted", "failed"):
        detail = f"{report.error}, expected {scenario.error}"
        checks.append(Verdict(name="error", ok=report.error == scenario.error, detail=detail))
    if scenario.fallback:
        checks += _fell_back(report, plan)
    if scenario.shift is not None and outcome == "failover":
        checks += _followed_capacity(report, plan)
    if scenario.approval:
        checks.append(_asked(report, scenario.approval))
    if scenario.asks and outcome != "aborted":
        approved = any(p.name == "approval" for p in report.phases)
        checks.append(Verdict(name="approval", ok=approved and bool(report.approver), detail=f"by {report.approver}"))
    return checks


def _asked(report: DrillReport, finding: str) -> Verdict:
    """The run asked a person, and the request named ``finding`` with what was read and what to do about it."""
    asked = [m for m in report.notifications if "waits for approval" in m and (report.incident_id or "?") in m]
    named = [m for m in asked if finding in m and "evidence: " in m and "remediation: " in m]
    detail = f"{len(asked)} approval request(s); {'one names' if named else 'none names'} {finding} with its evidence"
    return Verdict(name="asked", ok=bool(named), detail=detail)


def _followed_capacity(report: DrillReport, plan: RecoveryPlan) -> list[Verdict]:
    """Traffic followed capacity: it first moved while the target was still scaling up, and moved again after."""
    shares = [(move.share, move.capacity) for move in report.traffic]
    first = report.traffic[0] if report.traffic else None
    minimum = plan.dns.shift.minimum_percent
    return [
        Verdict(
            name="first_share",
            ok=first is not None and minimum <= first.share < 100 and first.capacity < 100,
            detail=f"(share, capacity) of each move: {shares}",
        ),
        Verdict(
            name="full_traffic",
            ok=bool(shares) and shares[-1][0] == 100 and report.full_capacity_seconds is not None,
            detail=f"all traffic verified on the target at {report.full_capacity_seconds} s",
        ),
    ]


def _stayed(report: DrillReport, outcome: Outcome, plan: RecoveryPlan, lock: str | None) -> list[Verdict]:
    home = plan.regions.primary
    expected_status = {"no-failover": "SKIPPED", "aborted": "ABORTED", "dry-run": "SUCCEEDED"}[outcome]
    checks = [
        Verdict(name="status", ok=report.status == expected_status, detail=f"runbook {report.status}"),
        Verdict(name="writer_region", ok=report.writer_region == home, detail=f"writer in {report.writer_region}"),
        Verdict(name="dns_region", ok=report.dns_region == home, detail=f"traffic to {report.dns_region}"),
    ]
    if outcome == "aborted":  # refused before any change: the standby is as it was
        at_target = [e for e in report.endpoints if e.region == report.to_region]
        standby = {e.name: max(e.standby_instances, 1) for e in plan.inference.endpoints}
        checks.append(
            Verdict(
                name="standby_untouched",
                ok=all(e.instances == standby[e.name] for e in at_target),
                detail=", ".join(f"{e.name} x{e.instances}" for e in at_target),
            )
        )
    if outcome != "no-failover":
        recorded = {"aborted": "ABORTED", "dry-run": "DRY_RUN"}[outcome]
        checks += [
            Verdict(name="run_record", ok=report.outcome == recorded, detail=f"recorded as {report.outcome}"),
            Verdict(name="lock_released", ok=lock is None, detail="lock free" if lock is None else f"held by {lock}"),
        ]
    if outcome == "dry-run":
        checks.append(
            Verdict(
                name="prediction",
                ok=report.predicted_rto_seconds is not None and report.strategy is not None,
                detail=f"would {report.strategy} in about {report.predicted_rto_seconds} s",
            )
        )
    return checks


def _failed(report: DrillReport, scenario: Scenario, plan: RecoveryPlan, lock: str | None) -> list[Verdict]:
    """A failure with no good outcome: stopped with its named error before DNS moved, recorded, unlocked."""
    home = plan.regions.primary
    checks = [
        Verdict(name="status", ok=report.status == "FAILED", detail=f"runbook {report.status}"),
        Verdict(name="dns_region", ok=report.dns_region == home, detail=f"traffic to {report.dns_region}"),
        Verdict(name="run_record", ok=report.outcome == "FAILED", detail=f"recorded as {report.outcome}"),
        Verdict(name="lock_released", ok=lock is None, detail="lock free" if lock is None else f"held by {lock}"),
    ]
    if scenario.writer:
        where = home if scenario.writer == "home" else plan.peer(home)
        checks.append(
            Verdict(name="writer_region", ok=report.writer_region == where, detail=f"writer in {report.writer_region}")
        )
    return checks


def _moved(report: DrillReport, outcome: Outcome, plan: RecoveryPlan, lock: str | None) -> list[Verdict]:
    target = report.to_region
    strategy = "switchover" if outcome == "failback" else outcome
    checks = [
        Verdict(name="status", ok=report.status == "SUCCEEDED", detail=f"runbook {report.status}"),
        Verdict(name="strategy", ok=report.strategy == strategy, detail=f"{report.strategy}, expected {strategy}"),
        Verdict(name="writer_region", ok=report.writer_region == target, detail=f"writer in {report.writer_region}"),
        Verdict(name="dns_region", ok=report.dns_region == target, detail=f"traffic to {report.dns_region}"),
        Verdict(name="run_record", ok=report.outcome == "SUCCEEDED", detail=f"recorded as {report.outcome}"),
        Verdict(name="lock_released", ok=lock is None, detail="lock free" if lock is None else f"held by {lock}"),
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
                Verdict(name=f"capacity:{endpoint.name}@{region}", ok=ok, detail=f"{detail} (expected x{needed})")
            )
    if strategy == "switchover":
        checks.append(Verdict(name="rpo", ok=report.rpo_seconds == 0, detail=f"RPO {report.rpo_seconds}"))
    return checks


def _fell_back(report: DrillReport, plan: RecoveryPlan) -> list[Verdict]:
    """Each endpoint serves on its first fallback instance type, and the run record says so."""
    checks = []
    for endpoint in plan.inference.endpoints:
        used = next((c for c in report.capacity if c["endpoint"] == endpoint.name), None)
        wanted = endpoint.fallback_instance_types[0] if endpoint.fallback_instance_types else None
        ok = used is not None and used["fallback"] and used["instance_type"] == wanted
        detail = f"recorded {used}" if used else "no capacity recorded"
        checks.append(Verdict(name=f"fallback:{endpoint.name}", ok=ok, detail=f"{detail}; expected {wanted}"))
    return checks


def within_capacity(found: list[Move]) -> Verdict:
    """Principle 2 as the local cloud saw it: no region was ever sent more traffic than its InService capacity."""
    over = overloads(found)
    detail = "; ".join(over) if over else f"{len(found)} record change(s), each within the capacity serving it"
    return Verdict(name="traffic_within_capacity", ok=not over, detail=detail)
