"""Recovery kinds: each resource of the plan's ``resources:`` through its kind's step, all of them in one task a
round (``start``, then ``check`` until done), beside the database and the endpoints.

A resource that cannot be recovered (missing, refused, a deployment that failed) fails the step with
``ResourceRecoveryError`` naming every such resource, after the others were started or checked; throttling, 5xx
and a target that does not answer propagate for the ASL's Retry (every step is idempotent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from evac import clock
from evac.domain.fanout import each
from evac.domain.kinds import autoscaling_group, custom, ecs_service, global_table, switches
from evac.domain.kinds.models import ResourcePolls
from evac.domain.kinds.step import Context
from evac.domain.models import Poll
from evac.domain.plan_resources import AutoScalingGroup, CustomAction, DynamoDbGlobalTable, EcsService
from evac.domain.polling import first_wait, poll_round, polled, round_summary, whole_second
from evac.errors import AwsCallError, AwsTransientError, EvacError, RegionUnavailableError, ResourceRecoveryError

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.kinds.ports import Region
    from evac.domain.kinds.step import Look
    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_resources import Resource

T = TypeVar("T")
# The step of every kind but the switches (event source mappings and schedules share ``switches``).
_STEPS: dict[type, Any] = {
    EcsService: ecs_service,
    AutoScalingGroup: autoscaling_group,
    DynamoDbGlobalTable: global_table,
    CustomAction: custom,
}

# How long a switch takes to turn (an event source mapping Enabling, a schedule updated): seconds, evac's estimate.
SWITCH_SECONDS = 5


def expected_seconds(resource: Resource) -> int:
    """When a resource's change should be done: a serving kind's ``expected_seconds``, a few seconds otherwise."""
    return resource.expected_seconds if isinstance(resource, EcsService | AutoScalingGroup) else SWITCH_SECONDS


def start_resources(run: Run, plan: RecoveryPlan, *, target: Region, source: Region) -> ResourcePolls:
    """Start recovering every resource at once; a poll each (``ref``: its name), done already for those recovered.

    >>> from evac.domain.plan import DEFAULT_PLAN, load_plan
    >>> start_resources(None, load_plan(DEFAULT_PLAN), target=None, source=None).done  # a plan without resources
    True
    """
    context = Context(run, target, source)
    started_at = clock.now()

    def one(resource: Resource) -> Poll:
        look = _look(resource, lambda: _start(context, resource))
        wait = first_wait("resources", expected_seconds(resource))
        return Poll(
            started_at=started_at,
            done=look.done,
            ended_at=started_at if look.done else None,
            ref=resource.name,
            wait_seconds=wait,
            check_at=whole_second(started_at, wait),
            detail={"kind": resource.kind, **look.detail},
        )

    return _result(each(_failures_kept(one), plan.resources))


def check_resources(
    run: Run, plan: RecoveryPlan, polls: list[Poll], *, target: Region, source: Region
) -> ResourcePolls:
    """Check every pending resource once one of them is due (``poll_round``, as the endpoints are checked)."""
    context = Context(run, target, source)
    resources = {r.name: r for r in plan.resources}

    def one(poll: Poll) -> Poll:
        resource = resources.get(str(poll.ref))
        if resource is None:
            raise ResourceRecoveryError(f"{poll.ref}: not in the plan's resources")
        look = _look(resource, lambda: _check(context, resource, poll))
        return polled(poll, "resources", expected_seconds(resource), done=look.done, **look.detail)

    return _result(poll_round(polls, "due", _failures_kept(one)))


def _start(context: Context, resource: Resource) -> Look:
    if (kind := _STEPS.get(type(resource))) is not None:
        return kind.start(context, resource)
    return switches.start(context, resource)  # type: ignore[arg-type]


def _check(context: Context, resource: Resource, poll: Poll) -> Look:
    if (kind := _STEPS.get(type(resource))) is not None:
        return kind.check(context, resource)
    return switches.check(context, resource, str(poll.detail.get("source", "skipped")))  # type: ignore[arg-type]


def _look(resource: Resource, step: Callable[[], Look]) -> Look:
    """One resource's step; what makes it unrecoverable named with the resource and its kind. Throttling, 5xx and a
    target that does not answer go up to the ASL's Retry."""
    try:
        return step()
    except (AwsTransientError, RegionUnavailableError):
        raise
    except (ResourceRecoveryError, AwsCallError) as exc:
        raise ResourceRecoveryError(f"{resource.name} ({resource.kind}): {exc}") from exc
    except EvacError as exc:
        raise ResourceRecoveryError(f"{resource.name} ({resource.kind}): {type(exc).__name__}: {exc}") from exc


class _Failed(Poll):
    """A resource that could not be recovered, carried to the end of the round."""

    cause: str = ""


def _failures_kept(step: Callable[[T], Poll]) -> Callable[[T], Poll]:
    def kept(item: T) -> Poll:
        try:
            return step(item)
        except ResourceRecoveryError as exc:
            return _Failed(started_at=clock.now(), cause=str(exc))

    return kept


def _result(polls: list[Poll]) -> ResourcePolls:
    if failed := [p.cause for p in polls if isinstance(p, _Failed)]:
        raise ResourceRecoveryError("; ".join(failed))
    summary = round_summary(polls)
    return ResourcePolls(**summary, pending=[str(p.ref) for p in polls if not p.done])
