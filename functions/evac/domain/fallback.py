"""Capacity fallback: an endpoint whose scale-up failed for lack of capacity serves on the plan's next instance type.

SageMaker refuses to change the instance type of a variant registered with Application Auto Scaling, so the variant
is deregistered (which deletes its scaling policies) and registered again once it serves. Its limits and policies
are saved in the runs table before it is deregistered, so a step that dies in between loses nothing: the next check,
or a rerun's scale-up, puts them back.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from evac.errors import InferenceScaleError

if TYPE_CHECKING:
    from evac.domain.models import Run
    from evac.domain.plan_inference import Endpoint
    from evac.domain.ports import CapacityFallback, EndpointState, SavedScaling, ScalingRegistry

# How SageMaker says it could not get the instances (FailureReason of an endpoint whose update failed): no capacity
# for the type in the region, or the account's limit for it. Either way another instance type may serve.
CAPACITY_FAILURE = re.compile(r"capacity|ResourceLimitExceeded", re.IGNORECASE)


class Fallback:
    """What one endpoint's capacity fallbacks have done so far, kept in its poll's ``detail``."""

    def __init__(self, detail: dict[str, Any]) -> None:
        self.serving: str | None = detail.get("instance_type")  # the fallback type it serves on
        self.tried: list[str] = list(detail.get("tried", []))
        self.held: dict[str, Any] | None = detail.get("suspended")  # {"saved": autoscaling to put back}, if suspended
        self.since: str | None = detail.get("fallback_started_at")  # the latest fallback's start: its scale-up clock

    @property
    def suspended(self) -> bool:
        return self.held is not None

    def suspend(self, saved: dict[str, Any] | None) -> None:
        self.held = {"saved": saved}

    def resumed(self) -> dict[str, Any] | None:
        saved, self.held = (self.held or {}).get("saved"), None
        return saved

    def detail(self) -> dict[str, Any]:
        if not self.tried:
            return {}
        return {
            "instance_type": self.serving,
            "tried": self.tried,
            "suspended": self.held,
            "fallback_started_at": self.since,
        }


def out_of_capacity(state: EndpointState, run: Run, *, asked: int | None = None) -> bool:
    """Whether the endpoint's scale-up failed for lack of capacity: InService with a capacity ``FailureReason``, or,
    once ``asked`` instances were requested, InService at a lower desired count with no reason at all (a rollback
    may leave ``FailureReason`` empty; an InService endpoint below what it was asked for rolled back)."""
    if state.status == "Failed":  # only DeleteEndpoint is possible on a Failed endpoint: nothing to fall back on
        raise InferenceScaleError(f"{state.name} in {run.target_region} is Failed: {state.failure_reason}")
    if state.status != "InService":
        return False
    if state.failure_reason:
        return bool(CAPACITY_FAILURE.search(state.failure_reason))
    return asked is not None and state.desired_instances < asked


def fall_back(
    run: Run,
    endpoint: Endpoint,
    state: EndpointState,
    fallback: Fallback,
    *,
    endpoints: CapacityFallback,
    autoscaling: ScalingRegistry,
    saved: SavedScaling,
) -> str:
    """Serve ``endpoint`` on the next instance type of the plan that has not failed for lack of capacity.

    SageMaker refuses to change the instance type of a variant registered with Application Auto Scaling, so the
    variant is deregistered first (``suspend_scaling``, which saves its policies in the runs table before) and
    registered again with them once it serves at capacity.
    """
    failed = fallback.serving or endpoint.instance_type
    if failed not in fallback.tried:
        fallback.tried.append(failed)
    remaining = [t for t in endpoint.fallback_instance_types if t not in fallback.tried]
    if not remaining:
        raise InferenceScaleError(
            f"{endpoint.name} in {run.target_region} cannot reach {endpoint.active_instances} instances on any of "
            f"{fallback.tried}: {state.failure_reason}"
        )
    if not fallback.suspended:
        fallback.suspend(suspend_scaling(run, endpoint, autoscaling=autoscaling, saved=saved))
    endpoints.use_instance_type(endpoint.name, endpoint.variant, remaining[0], endpoint.active_instances)
    fallback.serving = remaining[0]
    return remaining[0]


def suspend_scaling(
    run: Run, endpoint: Endpoint, *, autoscaling: ScalingRegistry, saved: SavedScaling
) -> dict[str, Any] | None:
    """Deregister the endpoint's variant, its limits and policies saved in the runs table first.

    A save an earlier attempt left (it deregistered, then died) is the one to keep: the variant it finds now may be
    unregistered, or registered again without its policies by a rerun's scale-up.
    """
    kept = saved.saved_scaling(endpoint.name, endpoint.variant)
    if kept is None:
        kept = autoscaling.scaling(endpoint.name, endpoint.variant)
        if kept is not None:
            saved.save_scaling(endpoint.name, endpoint.variant, kept, run.incident_id)
    autoscaling.deregister(endpoint.name, endpoint.variant)
    return kept


def restore_scaling(
    endpoint: Endpoint, fallback: Fallback | None, *, autoscaling: ScalingRegistry, saved: SavedScaling
) -> bool:
    """Register the variant again with the autoscaling a fallback suspended: the poll's record of it, else the runs
    table's. Returns whether there was any to put back; registering again is idempotent, so a step that dies after
    this and before forgetting the save does no harm."""
    if fallback is not None and fallback.suspended:
        held = fallback.resumed()
    else:
        held = saved.saved_scaling(endpoint.name, endpoint.variant)
        if held is None:
            return False
    autoscaling.resume(endpoint.name, endpoint.variant, held, endpoint.active_instances)
    saved.forget_scaling(endpoint.name, endpoint.variant)
    return True
