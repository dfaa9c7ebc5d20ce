"""The drill engine: a scenario played on a fresh local cloud, its end state observed and judged.

The engine is a library (the CLI only parses and prints): ``run_drill("primary-outage")`` returns a ``DrillReport``
(the drill report contract: fields may be added, never renamed).
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from evac.aws.warmup import is_warm_up
from evac.domain.ledger import ABORTING_ERRORS
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.cloud import local_cloud
from evacops.drill.floor import critical_path
from evacops.drill.observation import observe
from evacops.drill.report import DrillReport, EndpointReport, PhaseReport, Signal, TrafficReport, Verdict
from evacops.drill.resources import resources_recovered
from evacops.drill.scenarios import SCENARIOS, Options
from evacops.drill.variants import derive
from evacops.drill.verdict import verdicts, within_capacity
from evacops.localcloud.fidelity.latencies import Latencies

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from evac.domain.plan import RecoveryPlan
    from evacops.drill.moves import Move
    from evacops.drill.observation import Observation
    from evacops.drill.report import Status
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Fault

# How the confirmation names the alarms that met the quorum in the runbook's input (evac.domain.trigger.confirm).
HELD = "alarms held: "
# A drill served for a person to answer (``serve``) runs no faster than this many modelled seconds per wall second:
# the approval timeout's hour is a wall minute.
BY_HAND_PACE = 60.0
# Step Functions execution status -> drill status; no execution at all is SKIPPED.
_STATUS: dict[str, Status] = {
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "FAILED",
    "ABORTED": "ABORTED",
}


def drill_plan(scenario: str, plan: RecoveryPlan | None = None) -> RecoveryPlan:
    """The plan ``scenario`` plays: ``plan`` (the bundled plan by default) with the scenario's own DNS shift policy,
    if it has one: the local cloud a drill of it sets up is this plan's."""
    plan = plan or load_plan(DEFAULT_PLAN)
    shift = SCENARIOS[scenario].shift
    return plan if shift is None else derive(plan, shift=shift)


def run_drill(
    scenario: str,
    *,
    plan: RecoveryPlan | None = None,
    latencies: Latencies | None = None,
    options: Options | None = None,
    on_event: Callable[[float, dict[str, Any]], None] | None = None,
    log_file: Path | None = None,
    serve: bool = False,
    seed: int | None = None,
    faults: Sequence[Fault] = (),
    inspect: Callable[[LocalCloud, DrillReport], None] | None = None,
    without_schedules: Iterable[str] = (),
) -> DrillReport:
    """Play ``scenario`` on a fresh local cloud of ``plan`` (the bundled plan by default); ``on_event(modelled_seconds,
    history_event)`` shows progress.

    ``seed`` draws the dependencies' latencies for this run (``Latencies.drawn``) unless ``latencies`` are given;
    ``faults`` are injected before the scenario plays; ``inspect(cloud, report)`` sees the cloud before it closes
    (the chaos matrix checks its invariants there); ``without_schedules``: functions (logical ids) whose schedules
    do not run in this drill.
    """
    if scenario not in SCENARIOS:
        raise KeyError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    chosen, options = SCENARIOS[scenario], options or Options()
    plan = drill_plan(scenario, plan)
    if seed is not None and latencies is None:
        latencies = Latencies().drawn(seed)
    wall_start = time.perf_counter()
    pace = BY_HAND_PACE if serve else None
    with local_cloud(
        plan, latencies=latencies, log_file=log_file, pace=pace, without_schedules=without_schedules
    ) as cloud:
        home, away = plan.regions.primary, plan.regions.secondary
        target = home if chosen.outcome == "failback" else away
        if chosen.prepare:
            chosen.prepare(cloud)
        floor = critical_path(cloud, chosen, target)
        if serve:
            cloud.serve()
        for fault in faults:
            cloud.faults.inject(fault)
        began, began_elapsed = cloud.clock.now(), cloud.clock.elapsed()
        chosen.play(cloud, options)
        cloud.quiesce(on_event=(lambda e: on_event(_since(began, e["timestamp"], cloud), e)) if on_event else None)
        seen = observe(cloud, target)
        extra = chosen.checks(cloud, began_elapsed) if chosen.checks else []
        origin = (_origin(seen.record, began) - cloud.clock.epoch).total_seconds()
        report = _report(scenario, plan, seen, target, floor, began, origin)
        report.wall_seconds = round(time.perf_counter() - wall_start, 2)
        report.seed = seed
        report.cold_start_seconds = _cold_starts(cloud, origin, report.rto_seconds)
        report.history_events = max(
            (n for region in plan.regions.both for n in cloud.truth.history_events(region).values()), default=0
        )
        report.checks = verdicts(report, chosen.expected(options), chosen, plan, seen.lock)
        if report.status == "SUCCEEDED" and report.executions:
            report.checks.append(within_capacity(seen.moves))
        report.checks += [Verdict(name=name, ok=ok, detail=detail) for name, ok, detail in extra]
        if plan.resources and report.status == "SUCCEEDED" and report.strategy is not None:
            report.checks.append(resources_recovered(report, plan))
        if report.rpo_observed_seconds is not None:
            report.checks.append(rpo_observed(report, plan))
        report.expected = all(c.ok for c in report.checks)
        if inspect:
            inspect(cloud, report)
    report.wall_seconds = round(time.perf_counter() - wall_start, 2)
    return report


def _cold_starts(cloud: LocalCloud, origin: float, rto: float | None) -> float | None:
    """The Lambda INIT time charged to invocations that started within the RTO (modelled seconds); a warm-up's is not
    (``evac.aws.warmup``): it runs apart, while nothing waits for it."""
    if rto is None:
        return None
    runs = [i for i in cloud.runtime.invocations if not is_warm_up(i.event)]
    started = [i for i in runs if i.cold and origin <= i.started <= origin + rto]
    return round(len(started) * cloud.latencies.lambda_cold_start, 3)


def _report(
    scenario: str,
    plan: RecoveryPlan,
    seen: Observation,
    target: str,
    floor: float,
    began: datetime,
    origin: float,
) -> DrillReport:
    """The report of what was observed, before its verdicts."""
    record, last, described = seen.record, seen.last, seen.described
    rto = _number(record, "rto_seconds")
    estimate = _number(record, "rpo_seconds")
    observed = seen.rpo.observed_seconds if seen.rpo else None
    return DrillReport(
        scenario=scenario,
        status=_status(described),
        executions=len(seen.runbooks),
        from_region=(record or {}).get("source_region") or plan.peer(target),
        to_region=(record or {}).get("target_region") or target,
        strategy=record.get("strategy") if record else None,
        writer_region=seen.writer_region,
        dns_region=seen.dns_region,
        endpoints=[EndpointReport(**e) for e in seen.endpoints],
        rto_seconds=rto,
        critical_path_seconds=floor,
        overhead_ratio=round(rto / floor, 3) if rto and floor else None,
        rpo_seconds=estimate,
        rpo_estimate_seconds=estimate,
        rpo_observed_seconds=observed,
        rpo_error_seconds=round(estimate - observed, 3) if estimate is not None and observed is not None else None,
        phases=_phases(record, began),
        wall_seconds=0.0,
        incident_id=record["incident_id"] if record else (last["name"] if last else None),
        error=described.get("error"),
        cause=_message(described.get("cause")),
        capacity=list(record.get("capacity", [])) if record else [],
        outcome=record.get("outcome") if record else None,
        predicted_rto_seconds=_number(record, "predicted_rto_seconds"),
        approver=record.get("approver") if record else None,
        notifications=seen.notifications,
        records=seen.records,
        dns_policy=plan.dns.shift.policy,
        dns_mechanism=record.get("dns_mechanism") if record else None,
        full_capacity_seconds=_number(record, "full_capacity_seconds"),
        traffic=_traffic(seen.moves, (record or {}).get("target_region") or target, origin),
        state_transitions=seen.state_transitions,
        lambda_invocations=seen.lambda_invocations,
        detected_by=detected_by(plan, described),
    )


def rpo_observed(report: DrillReport, plan: RecoveryPlan) -> Verdict:
    """What the writer's move lost, as the write workload saw it: nothing for a switchover (Aurora synchronises the
    secondary first), at most the plan's ``rpo_budget_seconds`` for a failover."""
    observed, budget = report.rpo_observed_seconds or 0.0, plan.rpo_budget_seconds
    ok = observed == 0 if report.strategy == "switchover" else observed <= budget
    detail = f"observed RPO {observed} s (estimate {report.rpo_estimate_seconds} s, budget {budget} s)"
    return Verdict(name="rpo_observed", ok=ok, detail=detail)


def detected_by(plan: RecoveryPlan, described: dict[str, Any]) -> list[Signal]:
    """The alarms read in ALARM that met the quorum, as the confirmation put them in the runbook's input (``reason``:
    "alarms held: a, b[; silent, counted on that agreement: c]"), read from the execution Step Functions holds; none
    for a run started by hand. A silent alarm (its region did not answer) is no signal that detected anything."""
    try:
        reason = str(json.loads(described.get("input") or "{}").get("reason", ""))
    except ValueError:
        return []
    if not reason.startswith(HELD):
        return []
    signals = []
    for name in reason.removeprefix(HELD).split(";")[0].split(","):  # the evidence; silent alarms follow a ";"
        if alarm := plan.alarm(name.strip()):
            signals.append(Signal(name=alarm.name, lives_in=alarm.region, watches=alarm.watched_region))
    return signals


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


def _origin(record: dict[str, Any] | None, began: datetime) -> datetime:
    """When the incident began: its first ALARM (or its request), else when the scenario began to play."""
    return datetime.fromisoformat(record["detected_at"]) if record and record.get("detected_at") else began


def _traffic(found: list[Move], target: str, origin: float) -> list[TrafficReport]:
    """The moves of traffic to ``target``, the record's creation left out, in seconds since the incident began: a change
    that moves no weight (a health check attached to a record set) is no move."""
    return [
        TrafficReport(
            share=move.shares[target],
            capacity=move.capacity[target],
            submitted=round(move.submitted - origin, 1),
            insync=round(move.insync - origin, 1) if move.insync is not None else None,
        )
        for before, move in itertools.pairwise(found)
        if move.shares != before.shares
    ]


def _since(began: datetime, at: datetime, cloud: LocalCloud) -> float:
    """A history timestamp (a modelled moment, as the local cloud stamps them) in seconds since the drill began."""
    return round(cloud.clock.seconds_since_epoch(at) - cloud.clock.seconds_since_epoch(began), 1)


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
