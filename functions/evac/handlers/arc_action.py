"""ARC Region switch's custom action: one evac step of an ARC execution, named in the payload.

The payload ``evac plan export --arc`` writes is ``{"evac": {"step": "preflight" | "scale-endpoint" |
"recover-resource" | "shift-dns" | "verify" | "record", "application": ..., ...}}``; ARC adds its execution metadata
(``evac.domain.arc_action``). The run is derived, not planned: this region is the target, the plan's peer the source,
ARC's execution id the incident. The first step of an execution to arrive decides it and saves it in the runs table (a
conditional update), so every later step, and every retry, works on the same run. Each step calls what the runbook's
step calls (``evac.handlers.preflight.check_target``, ``scale_endpoint.scale``, ``evac.domain.kinds`` for a resource
of a kind ARC has no block for...) and saves what it found, so the record step writes the run record from what the
execution's steps found.

ARC invokes a custom action again after its retry interval until the step's timeout, as long as it fails
(https://docs.aws.amazon.com/r53recovery/latest/dg/custom-action-lambda-block.html). So a step not done yet (an
endpoint still scaling, a table's replica not ACTIVE yet, a DNS change not INSYNC) raises ``StepPendingError``, and
every step is idempotent: each retry looks at where the last one left off (the saved poll) and changes nothing already
done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac import clock
from evac.aws.data_plane import traffic_switch
from evac.aws.dynamodb import Ledger
from evac.domain.arc_action import ArcEvent, MovedByArc, arc_run, check_action, finished, with_resource
from evac.domain.kinds import check_resources, start_resources
from evac.domain.models import Poll, Preflight, RecordInput, Run, StepError, Verification
from evac.handlers._step import step
from evac.handlers.check_dns import propagated
from evac.handlers.check_endpoint import check
from evac.handlers.preflight import check_target
from evac.handlers.record import write_record
from evac.handlers.recover_resources import adapters
from evac.handlers.scale_endpoint import scale
from evac.handlers.shift_dns import shift
from evac.handlers.verify import prove
from evac.settings import settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import BaseModel

    from evac.domain.arc_action import RecoverResourceAction, ScaleEndpointAction
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import TrafficSwitch


class Execution:
    """One ARC execution as this region's runs table knows it: its run and what its steps found so far."""

    def __init__(self, event: ArcEvent, plan: RecoveryPlan, ledger: Ledger, region: str) -> None:
        self.event, self.plan, self.ledger = event, plan, ledger
        decided = arc_run(event, plan, region, clock.now())
        self.parts = ledger.save_arc_progress(decided.incident_id, "run", decided.model_dump_json(), first=True)
        self.run = Run.model_validate(self.parts["run"])

    def found(self, part: str) -> Any:
        return self.parts.get(part)

    def save(self, part: str, value: BaseModel) -> None:
        self.parts = self.ledger.save_arc_progress(self.run.incident_id, part, value.model_dump_json())


def preflight(execution: Execution) -> Preflight:
    found = check_target(execution.run, execution.plan)
    execution.save("preflight", found)
    return found


def scale_endpoint(execution: Execution) -> Poll:
    """Start the scale-up, then look at it on each retry (falling back to the plan's other instance types)."""
    action: ScaleEndpointAction = execution.event.evac  # type: ignore[assignment]  # dispatched on its step
    run, plan, part = execution.run, execution.plan, f"capacity:{action.endpoint}"
    saved = execution.found(part)
    if saved is None:
        poll = scale(run, plan, action.endpoint)
    else:
        poll = check(run, plan, [Poll.model_validate(saved)], look="all").polls[0]
    execution.save(part, poll)
    return finished(poll, f"{action.endpoint} in {run.target_region}")


def recover_resource(execution: Execution) -> Poll:
    """Start the resource's kind step (as the runbook's RecoverResources does), then check it on each retry until the
    resource is recovered in this region: a global table's replica ACTIVE, a schedule enabled here (and, as the
    resource says for a graceful run, disabled in the source)."""
    action: RecoverResourceAction = execution.event.evac  # type: ignore[assignment]  # dispatched on its step
    run, part = execution.run, f"resource:{action.resource}"
    plan = with_resource(execution.plan, action.resource)
    target, source = adapters(run.target_region), adapters(run.source_region, probe=True)
    saved = execution.found(part)
    if saved is None:
        polls = start_resources(run, plan, target=target, source=source)
    else:
        polls = check_resources(run, plan, [Poll.model_validate(saved)], target=target, source=source)
    execution.save(part, polls.polls[0])
    return finished(polls.polls[0], f"{action.resource} in {run.target_region}")


def shift_dns(execution: Execution) -> Poll:
    """Move the record's weights, then look at the change on each retry until INSYNC."""
    run, plan = execution.run, execution.plan
    saved = execution.found("dns")
    previous = Poll.model_validate(saved) if saved is not None else None
    if previous is not None and previous.detail.get("raised"):
        poll = propagated(run, plan, previous)
    else:
        poll = shift(run, plan, previous)
    execution.save("dns", poll)
    return finished(poll, f"traffic to {run.target_region}")


def verify(execution: Execution) -> Verification:
    """Verify what evac's shift-dns moved or, when ARC's block moved the traffic, what a resolver is answered."""
    run, plan = execution.run, execution.plan
    saved = execution.found("dns")
    switch: TrafficSwitch | None = traffic_switch(plan)
    if saved is not None:
        dns = Poll.model_validate(saved)
    else:
        now = clock.now()
        dns = Poll(started_at=now, done=True, ended_at=now, detail={"mechanism": plan.dns.mechanism})
        switch = MovedByArc() if plan.dns.mechanism == "health-check-switch" else switch
    found = prove(run, plan, dns, None, switch=switch)
    execution.save("verification", found)
    return found


def record(execution: Execution) -> BaseModel:
    """The run record, from what the execution's steps saved; without evac's verification, a failed run."""
    verification = execution.found("verification")
    preflight_found, dns = execution.found("preflight"), execution.found("dns")
    missing = StepError(Error="VerificationFailedError", Cause="no evac verification of this ARC execution")
    return write_record(
        RecordInput(
            run=execution.run,
            execution=execution.run.incident_id,
            request=execution.event.metadata(),
            preflight=Preflight.model_validate(preflight_found) if preflight_found else None,
            dns=Poll.model_validate(dns) if dns else None,
            verification=Verification.model_validate(verification) if verification else None,
            error=None if verification else missing,
        )
    )


STEPS: dict[str, Callable[[Execution], BaseModel]] = {
    "preflight": preflight,
    "scale-endpoint": scale_endpoint,
    "recover-resource": recover_resource,
    "shift-dns": shift_dns,
    "verify": verify,
    "record": record,
}


@step(ArcEvent)
def lambda_handler(event: ArcEvent) -> BaseModel:
    config = settings()
    plan = config.plan
    check_action(event.evac, plan)  # before anything is read or written
    return STEPS[event.evac.step](Execution(event, plan, Ledger(config.table, config.region), config.region))
