"""The run record: the evidence every run leaves, whatever its outcome (principle 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from evac import clock
from evac.domain.models import Mode
from evac.domain.run_record import CapacityUsed, RunRecord
from evac.domain.timing import full_capacity_seconds, phases, rto_seconds

if TYPE_CHECKING:
    from evac.domain.models import Outcome, RecordInput
    from evac.domain.plan import RecoveryPlan

# The run stopped before changing anything: a person said no, nobody answered in time, or readiness refused to fail
# over into a target that cannot serve the model.
ABORTING_ERRORS = {"ApprovalRejectedError", "ApprovalTimedOutError", "SecondaryNotReadyError"}


def outcome_of(record: RecordInput) -> Outcome:
    if record.error:
        return "ABORTED" if record.error.Error in ABORTING_ERRORS else "FAILED"
    if record.run and record.run.mode == "dry-run":
        return "DRY_RUN"
    return "SUCCEEDED"


def build_record(record: RecordInput, *, plan: RecoveryPlan) -> RunRecord:
    """Summarise a run from the state it reached. A record with an ``error`` failed, or was aborted (by a person, or
    by readiness)."""
    application = plan.application
    run, error = record.run, record.error
    outcome = outcome_of(record)
    request = record.request or {}
    incident = run.incident_id if run else str(record.execution or request.get("incident_id") or "unknown")
    raw_mode = request.get("mode")
    rto = rto_seconds(record) if outcome == "SUCCEEDED" else None
    full = full_capacity_seconds(record) if outcome == "SUCCEEDED" else None
    return RunRecord(
        incident_id=incident,
        application=application,
        outcome=outcome,
        mode=run.mode if run else (raw_mode if raw_mode in get_args(Mode) else None),
        strategy=run.strategy if run else None,
        source_region=run.source_region if run else None,
        target_region=run.target_region if run else None,
        detected_at=run.detected_at if run else None,
        recorded_at=clock.now(),
        rto_seconds=rto,
        rpo_seconds=run.rpo_seconds if run else None,
        full_capacity_seconds=full,
        dns_shift=run.dns_shift if run else None,
        dns_mechanism=record.verification.dns_mechanism if record.verification else None,
        traffic=record.verification.steps if record.verification else [],
        predicted_rto_seconds=run.predicted_rto_seconds if run else None,
        approver=record.approval.approver if record.approval else None,
        request=record.request,
        preflight=record.preflight.checks if record.preflight else [],
        rpo_over_budget=run.rpo_over_budget if run else None,
        readiness_warnings=record.preflight.warnings if record.preflight else [],
        capacity=capacity_used(record, plan),
        phases=phases(record),
        error=error.Error if error else None,
        cause=error.Cause[:2000] if error else None,
        resumed=run.resumed if run else False,
        warnings=_warnings(record),
        summary=_summary(record, application, incident, outcome, rto),
    )


def _warnings(record: RecordInput) -> list[str]:
    """What went wrong without stopping the run: the plan's own notes, and a source left at full capacity."""
    found = list(record.run.warnings) if record.run else []
    if record.standby_error:
        found.append(
            f"the old region was not returned to standby: {record.standby_error.Error}: {record.standby_error.Cause}"
        )
    return found


def _summary(record: RecordInput, application: str, incident: str, outcome: Outcome, rto: float | None) -> str:
    run, error = record.run, record.error
    if error:
        return f"evac {application}: {incident} {outcome} with {error.Error}"
    if run is None:
        return f"evac {application}: {incident} recorded"
    move = f"{run.strategy} {run.source_region} -> {run.target_region}"
    if outcome == "DRY_RUN":
        predicted = f", predicted RTO {run.predicted_rto_seconds:.0f} s" if run.predicted_rto_seconds else ""
        return f"evac {application}: dry run of {move}: preflight passed{predicted}"
    took = f", RTO {rto:.0f} s" if rto is not None else ""
    steps = record.verification.steps if record.verification else []
    if len(steps) > 1:
        full = full_capacity_seconds(record)
        took += f" ({steps[0].weight}% of traffic first" + (f", all at {full:.0f} s)" if full is not None else ")")
    return f"evac {application}: {move} SUCCEEDED{took}"


def capacity_used(record: RecordInput, plan: RecoveryPlan) -> list[CapacityUsed]:
    """What each target endpoint served on when its poll last looked (a traffic ramp's looks come after the
    scale-up's): its plan type, or a fallback."""
    if record.promotion is None:
        return []
    polls = {poll.ref: poll.detail for poll in (record.capacity.polls if record.capacity else record.promotion[1])}
    used = []
    for endpoint in plan.inference.endpoints:
        detail = polls.get(endpoint.name, {})
        serving = detail.get("instance_type")
        used.append(
            CapacityUsed(
                endpoint=endpoint.name,
                instance_type=serving or endpoint.instance_type,
                instances=int(detail.get("instances", 0)),
                fallback=serving is not None,
                tried=list(detail.get("tried", [])),
            )
        )
    return used
