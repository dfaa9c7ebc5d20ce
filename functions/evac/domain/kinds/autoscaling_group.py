"""EC2 Auto Scaling groups (a GPU fleet behind a load balancer): the target's minimum and desired capacity raised to
the plan's ``active_capacity``; done once that many instances are InService and Healthy and, with
``wait_healthy_targets``, healthy targets in every target group the group is attached to.

A new instance is ``Pending`` until it has launched and passed its lifecycle hooks, then ``InService``
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html); an instance registered with
a target group is ``initial`` until it passes the load balancer's health checks, then ``healthy``
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html). A group whose
``Launch`` process is suspended launches nothing
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html): that fails the run rather
than waiting out the loop's bound. The source keeps its instances, as an ECS service keeps its tasks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.kinds.step import Context, Look, share
from evac.errors import ResourceRecoveryError

if TYPE_CHECKING:
    from evac.domain.kinds.ports import GroupState, ServingReads
    from evac.domain.plan_resources import AutoScalingGroup


def start(context: Context, group: AutoScalingGroup) -> Look:
    """Raise the minimum and desired capacity to the active capacity (never lower them): idempotent."""
    return check(context, group)


def check(context: Context, group: AutoScalingGroup) -> Look:
    """Done once ``active_capacity`` instances serve; a capacity below it (lowered since, or never raised) is raised."""
    region = context.run.target_region
    name, active = group.groups[region], group.active_capacity
    state = context.target.groups.group(name)
    if state is None:
        raise ResourceRecoveryError(f"Auto Scaling group {name} does not exist in {region}")
    if "Launch" in state.suspended:
        raise ResourceRecoveryError(f"Auto Scaling group {name} in {region}: its Launch process is suspended")
    raised = state.minimum < active or state.desired < active
    if raised:
        context.target.groups.set_capacity(
            name,
            minimum=max(state.minimum, active),
            desired=max(state.desired, active),
            maximum=max(state.maximum, active),
        )
    count, healthy = serving(context.target, group, state)
    detail = {"in_service": len(state.serving), "desired": max(state.desired, active)}
    if healthy is not None:
        detail["healthy_targets"] = healthy
    return Look(done=not raised and count >= active, detail=detail, share=share(count, active))


def serving(reads: ServingReads, group: AutoScalingGroup, state: GroupState) -> tuple[int, int | None]:
    """The instances that serve: InService and Healthy and, with ``wait_healthy_targets``, no more than the fewest of
    them healthy in any of its target groups (that fewest is the second value; None without the wait)."""
    healthy = [
        reads.targets.healthy(arn, state.serving) for arn in (state.target_groups if group.wait_healthy_targets else ())
    ]
    fewest = min(healthy, default=None)
    return (len(state.serving) if fewest is None else min(len(state.serving), fewest)), fewest


def serving_share(reads: ServingReads, group: AutoScalingGroup, region: str) -> int:
    """The share (percent) of the group's ``active_capacity`` that serves in ``region``; nothing for a group that
    does not exist there. Reads only."""
    state = reads.groups.group(group.groups[region])
    return 0 if state is None else share(serving(reads, group, state)[0], group.active_capacity)
