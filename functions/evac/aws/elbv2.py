"""Elastic Load Balancing (v2): how many targets (all of them, or some instances) a target group finds healthy."""

from __future__ import annotations

from evac.aws.clients import client
from evac.aws.errors import aws_errors


class TargetGroups:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._elbv2 = client("elbv2", region, probe=probe)

    def healthy(self, target_group_arn: str, targets: tuple[str, ...] | None = None) -> int:
        """How many of ``targets``, or of all the group's targets if None (an ECS service's tasks, which ECS
        registers itself), are ``healthy`` targets of the group (any port they are registered on)."""
        if targets is not None and not targets:
            return 0
        with aws_errors():
            described = self._elbv2.describe_target_health(TargetGroupArn=target_group_arn)
        healthy = {
            d["Target"]["Id"]
            for d in described["TargetHealthDescriptions"]
            if d.get("TargetHealth", {}).get("State") == "healthy"
        }
        return len(healthy if targets is None else healthy & set(targets))
