"""Recovery kinds: each resource of the plan's ``resources:`` through its kind's step, all of them in one task a
round (``start``, then ``check`` until done), beside the database and the endpoints.

When traffic follows capacity (``dns.shift.policy: follow-capacity``), a serving resource (an ECS service, an Auto
Scaling group) leaves the stage once the share of its active count that serves in the target reaches the plan's
minimum share, as the endpoints leave theirs once their scale-up is requested: the traffic ramp reads its share with
the endpoints' (``serving_share``) and raises the target's weight only as far as the least of them, until all of it
once every one serves in full. Every other kind completes in the stage.

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
from evac.domain.kinds.step import FULL_SHARE, Context
from evac.domain.models import Poll
from evac.domain.plan_resources import AutoScalingGroup, CustomAction, DynamoDbGlobalTable, EcsService
from evac.domain.polling import first_wait, poll_round, polled, round_summary, whole_second
from evac.errors import AwsCallError, AwsTransientError, EvacError, RegionUnavailableError, ResourceRecoveryError

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.kinds.ports import Region, Serving
    from evac.domain.kinds.step import Look
    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_resources import Resource

T = TypeVar("T")
# The step of every kind but the switches (event source mappings, schedules and rules share ``switches``).
_STEPS: dict[type, Any] = {
    EcsService: ecs_service,
    AutoScalingGroup: autoscaling_group,
    DynamoDbGlobalTable: global_table,
    CustomAction: custom,
}

# How long a switch takes to turn (an event source mapping Enabling, a schedule or a rule updated): seconds, evac's
# estimate.
SWITCH_SECONDS = 5


def expected_seconds(resource: Resource) -> int:
    """When a resource's change should be done: a serving kind's ``expected_seconds``, a few seconds otherwise."""
    return resource.expected_seconds if isinstance(resource, EcsService | AutoScalingGroup) else SWITCH_SECONDS


def serving_resources(plan: RecoveryPlan) -> list[EcsService | AutoScalingGroup]:
    """The plan's resources that serve traffic: their capacity limits the target's share of it."""
    return [r for r in plan.resources if isinstance(r, EcsService | AutoScalingGroup)]


def serving_share(plan: RecoveryPlan, reads: Serving | None) -> int:
    """The least share (percent) of its active count that any serving resource of the plan serves in
    ``reads.region`` (100 with none): reads only, every resource at once. ``reads`` may be None only for a plan
    without serving resources.

    >>> from evac.domain.plan import DEFAULT_PLAN, load_plan
    >>> serving_share(load_plan(DEFAULT_PLAN), None)  # a plan without resources
    100
    """
    serving = serving_resources(plan)
    if not serving:
        return FULL_SHARE
    if reads is None:
        raise ValueError("the plan has serving resources: the target's capacity share needs their reads")
    return min(each(lambda r: _STEPS[type(r)].serving_share(reads, r, reads.region), serving))


def left_to_the_ramp(run: Run, plan: RecoveryPlan, look: Look) -> bool:
    """Whether a serving resource not yet recovered may leave the stage: traffic follows capacity and its share
    reaches the plan's minimum (the ramp follows the rest)."""
    return (
        run.dns_shift == "follow-capacity" and look.share is not None and look.share >= plan.dns.shift.minimum_percent
    )


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
        done = look.done or left_to_the_ramp(run, plan, look)
        return Poll(
            started_at=started_at,
            done=done,
            ended_at=started_at if done else None,
            ref=resource.name,
            wait_seconds=wait,
            check_at=whole_second(started_at, wait),
            detail={"kind": resource.kind, **_detail(look)},
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
        done = look.done or left_to_the_ramp(run, plan, look)
        return polled(poll, "resources", expected_seconds(resource), done=done, **_detail(look))

    return _result(poll_round(polls, "due", _failures_kept(one)))


def _detail(look: Look) -> dict[str, Any]:
    """A look's detail; a serving kind's says its share and whether it serves in full (``recovered``)."""
    return look.detail if look.share is None else {**look.detail, "share": look.share, "recovered": look.done}


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
