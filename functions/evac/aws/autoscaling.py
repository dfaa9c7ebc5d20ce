"""Application Auto Scaling: the floor under a SageMaker variant, so scale-in cannot undo a failover."""

from __future__ import annotations

from typing import Final

from evac.aws.clients import client

DIMENSION: Final = "sagemaker:variant:DesiredInstanceCount"


def resource_id(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


class VariantScaling:
    def __init__(self, region: str) -> None:
        self._autoscaling = client("application-autoscaling", region)

    def raise_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None:
        """Set MinCapacity to ``minimum`` (MaxCapacity at least as high); registering again is idempotent."""
        found = self._autoscaling.describe_scalable_targets(
            ServiceNamespace="sagemaker", ResourceIds=[resource_id(endpoint, variant)], ScalableDimension=DIMENSION
        )["ScalableTargets"]
        maximum = max([minimum, *(t["MaxCapacity"] for t in found)])
        if found and found[0]["MinCapacity"] >= minimum:
            return
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
