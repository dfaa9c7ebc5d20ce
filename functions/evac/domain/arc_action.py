"""What ARC Region switch sends evac's custom action, and the run evac derives from it.

A ``CustomActionLambda`` step invokes one function with the step's ``payload``; when the payload is a JSON object,
ARC merges its execution metadata into the top level: ``InvokedBy``, ``PlanArn``, ``ExecutionId`` and ``StepName``
(https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Lambdas.html). Only those names are documented, not
their shapes, so the top level is read tolerantly (anything else ARC adds is ignored) while evac's own part, under
``evac``, is strict: an unknown or missing field is an error naming it.

ARC says nothing of graceful or ungraceful in that metadata, and it never runs a custom action in an ungraceful
execution (https://docs.aws.amazon.com/r53recovery/latest/dg/custom-action-lambda-block.html: "In ungraceful execution
mode, Region switch skips the Lambda execution block step"; ``LambdaUngracefulBehavior`` has the one value ``skip``
in botocore's model). So every run derived here is planned: a switchover, RPO 0, as ARC's Aurora block does in a
graceful execution.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evac.domain.decisions import estimate_rpo
from evac.domain.escalation import finish_by_hand
from evac.domain.models import Contract, Poll, Run
from evac.domain.runbook import predicted_rto
from evac.errors import InvalidInputError, PlanError, StepPendingError

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.plan import RecoveryPlan

INCIDENT_MAX = 80  # evac's incident ids (``evac.domain.models.IncidentId``)


class _Action(Contract):
    application: str = Field(min_length=1, description="the plan's application: the stack's own plan must match")


class PreflightAction(_Action):
    step: Literal["preflight"]


class ScaleEndpointAction(_Action):
    step: Literal["scale-endpoint"]
    endpoint: str = Field(min_length=1)
    instances: int | None = Field(default=None, ge=1, description="what the exported plan asked: must be the plan's")


class ShiftDnsAction(_Action):
    step: Literal["shift-dns"]
    record: str | None = Field(default=None, description="the exported record name: must be the plan's")


class RecoverResourceAction(_Action):
    step: Literal["recover-resource"]
    resource: str = Field(
        min_length=1, description="the name of one of the plan's resources, of a kind in ARC_RECOVERED"
    )


class VerifyAction(_Action):
    step: Literal["verify"]


class RecordAction(_Action):
    step: Literal["record"]


AnyAction = PreflightAction | ScaleEndpointAction | RecoverResourceAction | ShiftDnsAction | VerifyAction | RecordAction
EvacAction = Annotated[AnyAction, Field(discriminator="step")]
# The ``resources:`` kinds ARC Region switch has no block for: its custom action runs their kind's step in evac
# (``recover-resource``). The other kinds are ARC's own blocks in an exported plan.
ARC_RECOVERED = ("dynamodb-global-table", "schedule", "eventbridge-rule")


class ArcEvent(BaseModel):
    """A custom action's invocation: evac's payload, strict, and ARC's execution metadata, tolerated."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    evac: EvacAction
    ExecutionId: str = Field(min_length=1, description="ARC's execution: evac's incident")
    PlanArn: str | None = None
    StepName: str | None = None
    InvokedBy: Any = None  # undocumented shape: kept as evidence, never read

    def metadata(self) -> dict[str, Any]:
        """ARC's metadata as it arrived: the record's ``request``."""
        return self.model_dump(mode="json", exclude={"evac"}, exclude_none=True)


def incident_of(execution_id: str) -> str:
    """evac's incident id for an ARC execution: ``arc-`` and the id if it fits evac's pattern, otherwise its safe
    characters and a digest of the whole (two ids never share an incident).

    >>> incident_of("a1b2c3"), incident_of("exec/1:2")
    ('arc-a1b2c3', 'arc-exec-1-2-96d8b3f39e7c')
    """
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", execution_id).strip("-")
    if cleaned == execution_id and len(execution_id) <= INCIDENT_MAX - 4:
        return f"arc-{execution_id}"
    digest = hashlib.sha256(execution_id.encode()).hexdigest()[:12]
    return f"arc-{cleaned[: INCIDENT_MAX - 18]}-{digest}" if cleaned else f"arc-{digest}"


def check_action(action: AnyAction, plan: RecoveryPlan) -> None:
    """The payload was exported from this stack's plan, as it is now: a stale or foreign export is refused, naming
    the field, before anything is read or changed."""
    if action.application != plan.application:
        raise InvalidInputError(
            f"evac.application: {action.application!r} is not this stack's application {plan.application!r}"
        )
    if isinstance(action, ScaleEndpointAction):
        names = [e.name for e in plan.inference.endpoints]
        if action.endpoint not in names:
            raise InvalidInputError(f"evac.endpoint: {action.endpoint!r} is not one of the plan's endpoints {names}")
        wanted = plan.endpoint(action.endpoint).active_instances
        if action.instances is not None and action.instances != wanted:
            raise InvalidInputError(
                f"evac.instances: the export asks {action.instances}, the plan now {wanted}: export the plan again"
            )
    if isinstance(action, RecoverResourceAction):
        _check_resource(action.resource, plan)
    if isinstance(action, ShiftDnsAction) and action.record not in (None, plan.dns.record_name):
        raise InvalidInputError(f"evac.record: {action.record!r} is not the plan's record {plan.dns.record_name!r}")


def _check_resource(name: str, plan: RecoveryPlan) -> None:
    recovered = [r.name for r in plan.resources if r.kind in ARC_RECOVERED]
    found = next((r for r in plan.resources if r.name == name), None)
    if found is None:
        raise InvalidInputError(f"evac.resource: {name!r} is not one of the plan's resources {recovered} evac recovers")
    if found.kind not in ARC_RECOVERED:
        raise InvalidInputError(
            f"evac.resource: {name!r} is of kind {found.kind}, which ARC's own block recovers: export the plan again"
        )


def with_resource(plan: RecoveryPlan, name: str) -> RecoveryPlan:
    """``plan`` with its one resource ``name``: a ``recover-resource`` step runs the kinds' step on it alone (ARC
    runs one step per resource, in parallel), as the runbook runs it on every resource."""
    return plan.model_copy(update={"resources": [r for r in plan.resources if r.name == name]})


def arc_run(event: ArcEvent, plan: RecoveryPlan, region: str, now: datetime) -> Run:
    """The run an ARC execution is, seen from the function in ``region``: ARC runs the custom action in the
    activating region (``regionToRun: activatingRegion``), so that region is the target and its peer the source."""
    if region not in plan.regions.both:
        raise PlanError(f"this function runs in {region!r}, not one of the plan's regions {list(plan.regions.both)}")
    run = Run(
        incident_id=incident_of(event.ExecutionId),
        application=plan.application,
        mode="planned",
        strategy="switchover",
        source_region=plan.peer(region),
        target_region=region,
        detected_at=now,
        started_at=now,
        rpo_seconds=estimate_rpo("switchover", None),
        approval_timeout_seconds=plan.approval_timeout_seconds,
        predicted_rto_seconds=predicted_rto(plan, "switchover", from_alarm=False),
        endpoints=[e.name for e in plan.inference.endpoints],
        dns_shift=plan.dns.shift.policy,
        reason=f"ARC Region switch execution {event.ExecutionId} of {event.PlanArn or 'an unnamed plan'}",
    )
    return run.model_copy(update={"finish_by_hand": finish_by_hand(run, plan)})


def finished(poll: Poll, what: str) -> Poll:
    """``poll`` if done; otherwise ``StepPendingError``, so ARC invokes the step again after its retry interval."""
    if not poll.done:
        raise StepPendingError(f"{what}: not done yet ({poll.detail}); ARC retries until the step's timeout")
    return poll


class MovedByArc:
    """The traffic switch of a plan whose traffic ARC's own block moved before evac's verification runs
    (``Route53HealthCheck``: health checks ARC creates and turns, which evac cannot read): that block succeeded, or
    ARC would not have run the next step. evac still verifies the writer, the capacity and every canary."""

    mechanism = "health-check-switch"

    def switch(self, source: str, target: str) -> str:
        raise NotImplementedError(f"ARC's Route53HealthCheck block moves traffic from {source} to {target}")

    def switched(self, source: str, target: str) -> str | None:  # noqa: ARG002 - the TrafficSwitch port's signature
        return None
