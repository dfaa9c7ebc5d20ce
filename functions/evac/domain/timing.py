"""RTO and the per-phase timeline of a run, from the timestamps its steps recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.run_record import Phase

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.models import Poll, RecordInput, TrafficStep

FULL = 100  # percent: all traffic, full capacity


def critical_path_seconds(*, sustain: float, database: float, inference: float, dns: float) -> float:
    """The floor under RTO, one definition for the runbook's predicted RTO (``evac.domain.runbook.predicted_rto``,
    from the plan's expectations) and the drill's critical path (``evacops.drill.floor``, from the modelled
    latencies): the sustain window when alarms start the run (its RTO counts from the first ALARM, 0 otherwise),
    then the slower of database promotion and the capacity DNS waits for, then DNS propagation.

    >>> critical_path_seconds(sustain=60, database=60, inference=360, dns=60)
    480.0
    """
    return float(sustain + max(database, inference) + dns)


def phase(name: str, start: datetime | None, end: datetime | None) -> Phase | None:
    if start is None or end is None:
        return None
    return Phase(name=name, start=start, end=end, seconds=round((end - start).total_seconds(), 3))


def phases(record: RecordInput) -> list[Phase]:
    """The phases a run went through, in order, as far as it got.

    ``detect`` runs from the first ALARM to the runbook's start; ``prepare`` covers planning, the lock and preflight;
    ``approval`` is the wait for a person, when one was asked; ``database``, ``inference`` (every endpoint, from
    the first scale-up request to full capacity) and ``resources`` (the plan's resources, when it has any) run in
    parallel; ``dns`` is the first move of traffic, until
    INSYNC; ``verify`` proves the target serves it and ends the RTO; ``ramp`` (traffic following capacity) raises
    the target's share until it takes all traffic; ``standby`` returns the old region to warm standby.
    """
    run = record.run
    if run is None:
        return []
    verification = record.verification
    steps = verification.steps if verification else []
    candidates = [phase("detect", run.detected_at, run.started_at)]
    if record.preflight:
        candidates.append(phase("prepare", run.started_at, record.preflight.ended_at))
    if record.approval:
        candidates.append(phase("approval", record.approval.requested_at, record.approval.decided_at))
    if record.promotion:
        database, endpoints, *resources = record.promotion
        candidates.append(phase("database", database.started_at, database.ended_at))
        candidates.append(phase("inference", *_inference(endpoints, steps)))
        candidates.append(phase("resources", *_inference(resources[0] if resources else [], [])))
    if steps:
        first = steps[0]
        candidates.append(phase("dns", first.shifted_at, first.insync_at))
        candidates.append(phase("verify", first.insync_at or first.shifted_at, first.verified_at))
        if len(steps) > 1:
            candidates.append(phase("ramp", first.verified_at, steps[-1].verified_at))
    elif record.dns:
        candidates.append(phase("dns", record.dns.started_at, record.dns.ended_at))
    if record.standby:
        candidates.append(phase("standby", record.standby.started_at, record.standby.ended_at))
    return [p for p in candidates if p is not None]


def _inference(endpoints: list[Poll], steps: list[TrafficStep]) -> tuple[datetime | None, datetime | None]:
    """From the first scale-up request until every endpoint served at full capacity: seen by the endpoint polls, or,
    when traffic followed capacity, by the first verification that found it full."""
    if not endpoints:
        return None, None
    start = min(p.started_at for p in endpoints)
    ended = [p.ended_at for p in endpoints]
    if all(e is not None for e in ended):
        return start, max(e for e in ended if e is not None)
    full = next((s.verified_at for s in steps if s.capacity >= FULL), None)
    return start, full


def rto_seconds(record: RecordInput) -> float | None:
    """From the first ALARM that led to the run to the end of its first successful verification (when traffic follows
    capacity, of the first share it moved); None if it never verified.

    A run without an alarm (a drill started by hand) counts from the moment it was requested.
    """
    if record.run is None or record.verification is None:
        return None
    return round((record.verification.recovered_at - record.run.detected_at).total_seconds(), 3)


def full_capacity_seconds(record: RecordInput) -> float | None:
    """From the first ALARM to the verification of the move that sent the target all traffic; None if none did."""
    if record.run is None or record.verification is None or record.verification.weight < FULL:
        return None
    return round((record.verification.ended_at - record.run.detected_at).total_seconds(), 3)
