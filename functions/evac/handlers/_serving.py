"""The reads of the target's serving resources (ECS services, Auto Scaling groups, their target groups) for the steps
that read its capacity share beside the endpoints' (ShiftDns, Verify): built only when the plan has any."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.ec2_autoscaling import AutoScalingGroups
from evac.aws.ecs import EcsServices
from evac.aws.elbv2 import TargetGroups
from evac.domain.kinds import serving_resources
from evac.domain.kinds.ports import Serving

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan


def serving_reads(plan: RecoveryPlan, region: str) -> Serving | None:
    """``region``'s adapters for the plan's serving kinds; None for a plan without serving resources."""
    if not serving_resources(plan):
        return None
    return Serving(region, EcsServices(region), AutoScalingGroups(region), TargetGroups(region))
