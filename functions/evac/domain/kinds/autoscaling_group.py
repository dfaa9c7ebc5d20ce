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

from evac.domain.kinds.step import Context, Look
from evac.errors import ResourceRecoveryError

if TYPE_CHECKING:
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
    serving = len(state.serving)
    healthy = {
        arn: context.target.targets.healthy(arn, state.serving)
        for arn in (state.target_groups if group.wait_healthy_targets else ())
    }
    done = not raised and serving >= active and all(count >= active for count in healthy.values())
    detail = {"in_service": serving, "desired": max(state.desired, active)}
    if healthy:
        detail["healthy_targets"] = min(healthy.values())
    return Look(done=done, detail=detail)
