"""Application Auto Scaling: the floor under a SageMaker variant, so scale-in cannot undo a failover."""

from __future__ import annotations

from typing import Any, Final

from evac.aws.clients import client
from evac.aws.errors import aws_errors
from evac.domain.ports import ScalableTarget

DIMENSION: Final = "sagemaker:variant:DesiredInstanceCount"
# What PutScalingPolicy takes back of what DescribeScalingPolicies returns (the rest is state: ARNs, alarms, times).
_POLICY_FIELDS = (
    "PolicyName",
    "PolicyType",
    "StepScalingPolicyConfiguration",
    "TargetTrackingScalingPolicyConfiguration",
)


def resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


class VariantScaling:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._autoscaling = client("application-autoscaling", region, probe=probe)

    def raise_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None:
        """Set MinCapacity to ``minimum`` (MaxCapacity at least as high); registering again is idempotent."""
        found = self._autoscaling.describe_scalable_targets(
            ServiceNamespace="sagemaker", ResourceIds=[resource_id(endpoint, variant)], ScalableDimension=DIMENSION
        )["ScalableTargets"]
        maximum = max([minimum, *(t["MaxCapacity"] for t in found)])
        if found and found[0]["MinCapacity"] >= minimum:
            return
        self._register(endpoint, variant, minimum, maximum)

    def scalable_target(self, endpoint: str, variant: str) -> ScalableTarget | None:
        with aws_errors():
            found = self._autoscaling.describe_scalable_targets(
                ServiceNamespace="sagemaker", ResourceIds=[resource_id(endpoint, variant)], ScalableDimension=DIMENSION
            )["ScalableTargets"]
        if not found:
            return None
        return ScalableTarget(min_capacity=int(found[0]["MinCapacity"]), max_capacity=int(found[0]["MaxCapacity"]))

    def scaling(self, endpoint: str, variant: str) -> dict[str, Any] | None:
        """The variant's limits and policies, as ``resume`` takes them back; None if it is not registered."""
        target = self.scalable_target(endpoint, variant)
        if target is None:
            return None
        policies = self._autoscaling.describe_scaling_policies(
            ServiceNamespace="sagemaker", ResourceId=resource_id(endpoint, variant), ScalableDimension=DIMENSION
        )["ScalingPolicies"]
        return {
            "min_capacity": target.min_capacity,
            "max_capacity": target.max_capacity,
            "policies": [{k: p[k] for k in _POLICY_FIELDS if k in p} for p in policies],
        }

    def deregister(self, endpoint: str, variant: str) -> None:
        """Deregister the variant, which deletes its scaling policies; nothing to do if it is not registered."""
        if self.scalable_target(endpoint, variant) is None:
            return
        self._autoscaling.deregister_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=resource_id(endpoint, variant), ScalableDimension=DIMENSION
        )

    def resume(self, endpoint: str, variant: str, saved: dict[str, Any] | None, minimum: int) -> None:
        """Register the variant again, MinCapacity at least ``minimum``, and put its saved policies back."""
        saved = saved or {}
        maximum = max(minimum, int(saved.get("max_capacity", minimum)))
        self._register(endpoint, variant, max(minimum, int(saved.get("min_capacity", 0))), maximum)
        for policy in saved.get("policies", []):
            self._autoscaling.put_scaling_policy(
                ServiceNamespace="sagemaker",
                ResourceId=resource_id(endpoint, variant),
                ScalableDimension=DIMENSION,
                **policy,
            )

    def _register(self, endpoint: str, variant: str, minimum: int, maximum: int) -> None:
        self._autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=resource_id(endpoint, variant),
            ScalableDimension=DIMENSION,
            MinCapacity=minimum,
            MaxCapacity=maximum,
        )

    def set_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None:
        """Set MinCapacity to ``minimum`` (lowering it too), keeping MaxCapacity."""
        found = self._autoscaling.describe_scalable_targets(
            ServiceNamespace="sagemaker", ResourceIds=[resource_id(endpoint, variant)], ScalableDimension=DIMENSION
        )["ScalableTargets"]
        self._autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=resource_id(endpoint, variant),
            ScalableDimension=DIMENSION,
            MinCapacity=minimum,
            MaxCapacity=max([minimum, *(t["MaxCapacity"] for t in found)]),
        )
