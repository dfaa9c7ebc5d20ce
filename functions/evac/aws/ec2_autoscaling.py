"""EC2 Auto Scaling: a group's capacity, its serving instances and target groups, and raising its capacity."""

from __future__ import annotations

from evac.aws.clients import client
from evac.aws.errors import aws_errors
from evac.domain.kinds.ports import GroupState


class AutoScalingGroups:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._autoscaling = client("autoscaling", region, probe=probe)

    def group(self, name: str) -> GroupState | None:
        """The group as DescribeAutoScalingGroups reports it; None if there is no such group."""
        with aws_errors():
            found = self._autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        if not found:
            return None
        group = found[0]
        return GroupState(
            minimum=int(group["MinSize"]),
            desired=int(group["DesiredCapacity"]),
            maximum=int(group["MaxSize"]),
            serving=tuple(
                i["InstanceId"]
                for i in group.get("Instances", [])
                if i.get("LifecycleState") == "InService" and i.get("HealthStatus") == "Healthy"
            ),
            target_groups=tuple(group.get("TargetGroupARNs", [])),
            suspended=tuple(p["ProcessName"] for p in group.get("SuspendedProcesses", [])),
        )

    def set_capacity(self, name: str, *, minimum: int, desired: int, maximum: int) -> None:
        with aws_errors():
            self._autoscaling.update_auto_scaling_group(
                AutoScalingGroupName=name, MinSize=minimum, DesiredCapacity=desired, MaxSize=maximum
            )
