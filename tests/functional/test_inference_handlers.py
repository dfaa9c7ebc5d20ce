"""scale_inference + check_inference on moto with the SageMaker scaling extension (modelled scale-up time and
capacity)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from evac.handlers import check_inference, scale_inference

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud


def test_scaling_raises_the_target_floor_and_instance_count_to_active_capacity(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    cloud.invoke(scale_inference, {"run": planned_run})

    variant = cloud.endpoint()["ProductionVariants"][0]
    assert cloud.min_capacity() == 4
    assert (variant["DesiredInstanceCount"], variant["CurrentInstanceCount"]) == (4, 1)


def test_scaling_leaves_the_source_region_alone(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    cloud.invoke(scale_inference, {"run": planned_run})

    assert cloud.endpoint("us-east-1")["ProductionVariants"][0]["CurrentInstanceCount"] == 4
    assert cloud.min_capacity("us-east-1") == 4


def test_inference_is_not_ready_before_the_modelled_scale_up_time(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    poll = cloud.invoke(scale_inference, {"run": planned_run})
    cloud.wait(cloud.latencies.endpoint_scale_up - 1)

    polled = cloud.invoke(check_inference, {"run": planned_run, "poll": poll})

    assert (polled["done"], polled["detail"]["ready"]) == (False, {})


def test_inference_is_ready_once_the_modelled_scale_up_time_has_passed(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(scale_inference, {"run": planned_run})
    cloud.wait(cloud.latencies.endpoint_scale_up)

    polled = cloud.invoke(check_inference, {"run": planned_run, "poll": poll})

    assert (polled["done"], polled["detail"]["ready"]) == (True, {"fraud-scoring-xgb": 4})
    assert cloud.endpoint()["EndpointStatus"] == "InService"


def test_scaling_again_during_the_scale_up_succeeds_and_changes_nothing(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    # GIVEN a scale-up in flight (SageMaker refuses to update an endpoint that is Updating)
    cloud.invoke(scale_inference, {"run": planned_run})
    before = cloud.endpoint()["ProductionVariants"]

    cloud.invoke(scale_inference, {"run": planned_run})

    assert cloud.endpoint()["ProductionVariants"] == before


def test_an_endpoint_without_capacity_falls_back_to_the_next_instance_type_and_reaches_capacity(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    # GIVEN us-west-2 has room for the warm standby's one ml.g4dn.xlarge and not one more
    cloud.sagemaker.capacity[("us-west-2", "ml.g4dn.xlarge")] = 1
    poll = cloud.invoke(scale_inference, {"run": unplanned_run})
    cloud.wait(cloud.latencies.endpoint_scale_up)  # the scale-up failed and rolled back meanwhile
    assert "capacity" in cloud.endpoint()["FailureReason"]

    # WHEN the poll sees it, then once more after the fallback's scale-up time
    falling_back = cloud.invoke(check_inference, {"run": unplanned_run, "poll": poll})
    assert (falling_back["done"], cloud.endpoint()["EndpointStatus"]) == (False, "Updating")
    cloud.wait(cloud.latencies.endpoint_scale_up)
    done = cloud.invoke(check_inference, {"run": unplanned_run, "poll": falling_back})

    # THEN the endpoint serves 4 x ml.g4dn.2xlarge from a copy of its configuration, autoscaling registered again
    endpoint = cloud.endpoint()
    config = boto3.client("sagemaker", "us-west-2").describe_endpoint_config(
        EndpointConfigName=endpoint["EndpointConfigName"]
    )
    variant = config["ProductionVariants"][0]
    assert done["done"] is True
    assert (variant["InstanceType"], variant["InitialInstanceCount"], variant["ModelName"]) == (
        "ml.g4dn.2xlarge",
        4,
        "fraud-scoring-xgb",
    )
    assert endpoint["ProductionVariants"][0]["CurrentInstanceCount"] == 4
    assert cloud.min_capacity() == 4
    assert done["detail"]["instance_types"] == {"fraud-scoring-xgb": "ml.g4dn.2xlarge"}
    assert done["detail"]["tried"] == {"fraud-scoring-xgb": ["ml.g4dn.xlarge"]}
