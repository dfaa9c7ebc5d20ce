"""Application Auto Scaling checks the caller's role on the target's service and CloudWatch before it registers a
scalable target (fidelity/autoscaling.py): the template's roles pass; the same roles without ScalableTargetPolicy,
which is what they were before it, are refused."""

from __future__ import annotations

from dataclasses import replace

import boto3
import pytest
from botocore.exceptions import ClientError

from evacops.localcloud import LocalCloud

ENDPOINT_VARIANT = "endpoint/fraud-scoring-xgb/variant/AllTraffic"


def register(region: str) -> None:
    boto3.client("application-autoscaling", region).register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=ENDPOINT_VARIANT,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=4,
        MaxCapacity=8,
    )


@pytest.mark.parametrize("caller", ["ScaleEndpointFunction", "CheckEndpointFunction", "StandbyFunction"])
def test_a_function_registering_a_variant_is_checked_against_its_role(caller: str) -> None:
    with LocalCloud() as cloud:
        region = cloud.plan.regions.secondary
        granted = cloud.scalable_targets.roles(region)
        cloud.scalable_targets.who = lambda: caller

        register(region)  # the template's role: allowed

        without = {
            name: replace(role, statements=[s for s in role.statements if s.source != "ScalableTargetPolicy"])
            for name, role in granted.items()
        }
        cloud.scalable_targets.roles = lambda _region: without
        with pytest.raises(ClientError) as refused:
            register(region)

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "sagemaker:DescribeEndpointConfig" in str(refused.value) or "cloudwatch:" in str(refused.value)
    assert cloud.scalable_targets.refused
