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
        cloud.scalable_targets.roles = lambda _region: without  # type: ignore[method-assign]
        with pytest.raises(ClientError) as refused:
            register(region)

    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "sagemaker:DescribeEndpointConfig" in str(refused.value) or "cloudwatch:" in str(refused.value)
    assert cloud.scalable_targets.refused


def test_registering_a_higher_minimum_scales_the_variant_out_and_an_update_then_meets_it_in_progress() -> None:
    with LocalCloud() as cloud:
        region = cloud.plan.regions.secondary
        sagemaker = boto3.client("sagemaker", region)
        before = sagemaker.describe_endpoint(EndpointName="fraud-scoring-xgb")["ProductionVariants"][0]

        register(region)  # by the harness: MinCapacity 4 above the warm standby
        after = sagemaker.describe_endpoint(EndpointName="fraud-scoring-xgb")
        with pytest.raises(ClientError) as busy:
            sagemaker.update_endpoint_weights_and_capacities(
                EndpointName="fraud-scoring-xgb",
                DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 4}],
            )

    assert before["DesiredInstanceCount"] < 4
    assert (after["EndpointStatus"], after["ProductionVariants"][0]["DesiredInstanceCount"]) == ("Updating", 4)
    assert "Cannot update in-progress endpoint" in str(busy.value)
