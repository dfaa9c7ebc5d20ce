"""Load-balancer targets still in their health checks (moto 5.2.5: a registered target is ``healthy`` at once).

A target registered with a target group is ``initial`` (``Elb.RegistrationInProgress``) until it passes the
group's health checks, then ``healthy``
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html). The extensions that
start targets (``ec2_autoscaling``, ``ecs``) hold the ids still initial here; DescribeTargetHealth answers after
every change due by now has happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup
from moto.elbv2.responses import ELBV2Response

if TYPE_CHECKING:
    from contextlib import ExitStack

    from moto.ec2.models import EC2Backend

    from evacops.localcloud.clock import Timeline


class InitialTargets:
    """Target ids (instance ids, task IPs) that every target group registering them reports ``initial``."""

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.ids: set[str] = set()

    def install(self, stack: ExitStack) -> None:
        initial = self.ids
        timeline = self.timeline
        original_health = FakeTargetGroup.health_for
        original_describe = ELBV2Response.describe_target_health

        def health(group: FakeTargetGroup, target: dict[str, Any], ec2_backend: EC2Backend) -> FakeHealthStatus:
            if target["Id"] in initial and target["Id"] in group.targets:
                port = group.targets[target["Id"]]["Port"]
                return FakeHealthStatus(
                    target["Id"],
                    port,
                    group.health_check_port,
                    "initial",
                    "Elb.RegistrationInProgress",
                    "Target registration is in progress",
                )
            return original_health(group, target, ec2_backend)

        def describe(response: ELBV2Response) -> Any:
            timeline.settle()
            return original_describe(response)

        stack.enter_context(patch.object(FakeTargetGroup, "health_for", health))
        stack.enter_context(patch.object(ELBV2Response, "describe_target_health", describe))
