"""RTO and the per-phase timeline of a run, from the timestamps its steps recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.models import Phase

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.models import RecordInput


def phase(name: str, start: datetime | None, end: datetime | None) -> Phase | None:
    if start is None or end is None:
        return None
    return Phase(name=name, start=start, end=end, seconds=round((end - start).total_seconds(), 3))


def phases(record: RecordInput) -> list[Phase]:
    """The phases a run went through, in order, as far as it got.

    ``detect`` runs from the first ALARM to the runbook's start; ``prepare`` covers planning, the lock and preflight;
    ``approval`` is the wait for a person, when one was asked; ``database`` and ``inference`` run in parallel;
    ``dns`` starts when both are done; ``verify`` ends the RTO; ``standby`` returns the old region to warm standby.
    """
    run = record.run
    if run is None:
        return []
    candidates = [phase("detect", run.detected_at, run.started_at)]
    if record.preflight:
        candidates.append(phase("prepare", run.started_at, record.preflight.ended_at))
    if record.approval:
        candidates.append(phase("approval", record.approval.requested_at, record.approval.decided_at))
    if record.promotion:
        database, inference = record.promotion
        candidates.append(phase("database", database.started_at, database.ended_at))
        candidates.append(phase("inference", inference.started_at, inference.ended_at))
    if record.dns:
        candidates.append(phase("dns", record.dns.started_at, record.dns.ended_at))
    if record.verification:
        candidates.append(phase("verify", record.verification.started_at, record.verification.ended_at))
    if record.standby:
        candidates.append(phase("standby", record.standby.started_at, record.standby.ended_at))
    return [p for p in candidates if p is not None]


def rto_seconds(record: RecordInput) -> float | None:
    """From the first ALARM that led to the run to the end of successful verification; None if it never verified.

    A run without an alarm (a drill started by hand) counts from the moment it was requested.
    """
    if record.run is None or record.verification is None:
        return None
    return round((record.verification.ended_at - record.run.detected_at).total_seconds(), 3)
