"""The run record: the evidence every run leaves, whatever its outcome (principle 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac import clock
from evac.domain.models import RunRecord
from evac.domain.timing import phases, rto_seconds

if TYPE_CHECKING:
    from evac.domain.models import RecordInput


def build_record(record: RecordInput, *, application: str) -> RunRecord:
    """Summarise a run from the state it reached. A record with an ``error`` is a failed run."""
    run, error = record.run, record.error
    outcome = "FAILED" if error else "SUCCEEDED"
    request = record.request or {}
    incident = run.incident_id if run else str(record.execution or request.get("incident_id") or "unknown")
    raw_mode = request.get("mode")
    rto = rto_seconds(record) if not error else None
    if error:
        summary = f"evac {application}: failover {incident} FAILED with {error.Error}"
    elif run:
        took = f", RTO {rto:.0f} s" if rto is not None else ""
        summary = f"evac {application}: {run.strategy} {run.source_region} -> {run.target_region} SUCCEEDED{took}"
    else:
        summary = f"evac {application}: {incident} recorded"
    return RunRecord(
        incident_id=incident,
        application=application,
        outcome=outcome,
        mode=run.mode if run else (raw_mode if raw_mode in ("planned", "unplanned") else None),
        strategy=run.strategy if run else None,
        source_region=run.source_region if run else None,
        target_region=run.target_region if run else None,
        detected_at=run.detected_at if run else None,
        recorded_at=clock.now(),
        rto_seconds=rto,
        rpo_seconds=run.rpo_seconds if run else None,
        phases=phases(record),
        error=error.Error if error else None,
        cause=error.Cause[:2000] if error else None,
        summary=summary,
    )
