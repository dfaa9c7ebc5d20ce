"""scale_endpoint (one Map iteration each) + check_endpoint (every endpoint's poll in one task) on moto with the
SageMaker scaling extension: instances come into service one by one, the endpoint is InService again after the
modelled scale-up time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend

from evac.aws import clients
from evac.aws.autoscaling import DIMENSION, resource_id
from evac.handlers import check_endpoint, scale_endpoint

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud

XGB = "fraud-scoring-xgb"


def check(cloud: Cloud, run: dict[str, Any], poll: dict[str, Any]) -> dict[str, Any]:
    """The CheckEndpoints step looking at one endpoint's poll now, due or not."""
    checked = cloud.invoke(check_endpoint, {"run": run, "polls": [poll], "look": "all"})
    assert checked["done"] == checked["polls"][0]["done"]
    return dict(checked["polls"][0])


def test_scaling_raises_the_target_floor_and_instance_count_to_active_capacity(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})

    variant = cloud.endpoint()["ProductionVariants"][0]
    assert cloud.min_capacity() == 4
    assert (variant["DesiredInstanceCount"], variant["CurrentInstanceCount"]) == (4, 1)
    assert (poll["ref"], poll["done"], poll["wait_seconds"]) == (XGB, False, 180)


def test_scaling_leaves_the_source_region_alone(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})

    assert cloud.endpoint("us-east-1")["ProductionVariants"][0]["CurrentInstanceCount"] == 4
    assert cloud.min_capacity("us-east-1") == 4


def test_the_endpoint_is_not_ready_while_its_instances_come_into_service(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})
    cloud.wait(cloud.latencies.endpoint_scale_up - 1)

    polled = check(cloud, planned_run, poll)

    assert (polled["done"], polled["detail"]["instances"]) == (False, 3)
    assert cloud.endpoint()["EndpointStatus"] == "Updating"


def test_the_endpoint_is_ready_once_the_modelled_scale_up_time_has_passed(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})
    cloud.wait(cloud.latencies.endpoint_scale_up)

    polled = check(cloud, planned_run, poll)

    assert (polled["done"], polled["detail"]["instances"]) == (True, 4)
    assert cloud.endpoint()["EndpointStatus"] == "InService"


def test_scaling_again_during_the_scale_up_succeeds_and_changes_nothing(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    # GIVEN a scale-up in flight (SageMaker refuses to update an endpoint that is Updating)
    cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})
    before = cloud.endpoint()["ProductionVariants"]

    cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})

    assert cloud.endpoint()["ProductionVariants"] == before


def test_scaling_an_endpoint_already_at_capacity_is_done_at_once(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})
    cloud.wait(cloud.latencies.endpoint_scale_up)

    again = cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})

    assert (again["done"], again["detail"]["instances"]) == (True, 4)


def test_an_endpoint_without_capacity_falls_back_to_the_next_instance_type_and_reaches_capacity(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    # GIVEN us-west-2 has room for the warm standby's one ml.g4dn.xlarge and not one more
    cloud.sagemaker.capacity[("us-west-2", "ml.g4dn.xlarge")] = 1
    poll = cloud.invoke(scale_endpoint, {"run": unplanned_run, "endpoint": XGB})
    cloud.wait(cloud.latencies.endpoint_scale_up)  # the scale-up failed and rolled back meanwhile
    assert "capacity" in cloud.endpoint()["FailureReason"]

    # WHEN the poll sees it, then once more after the fallback's scale-up time
    falling_back = check(cloud, unplanned_run, poll)
    assert (falling_back["done"], cloud.endpoint()["EndpointStatus"]) == (False, "Updating")
    cloud.wait(cloud.latencies.endpoint_scale_up)
    done = check(cloud, unplanned_run, falling_back)

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
        XGB,
    )
    assert endpoint["ProductionVariants"][0]["CurrentInstanceCount"] == 4
    assert cloud.min_capacity() == 4
    assert (done["detail"]["instance_type"], done["detail"]["tried"]) == ("ml.g4dn.2xlarge", ["ml.g4dn.xlarge"])
    assert done["detail"]["suspended"] is None  # autoscaling given back to the endpoint on its new type


# --- a fallback whose step dies between deregistering the scalable target and registering it again ------------------
POLICY = {
    "PolicyName": "invocations-per-instance",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    },
}


class LambdaDiedError(Exception):
    """The step's Lambda ended (a timeout) right after a call that succeeded."""


@pytest.fixture
def deregistering_deletes_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    """As Application Auto Scaling does and moto 5.2.5 does not: "Deregistering a scalable target deletes the scaling
    policies and the scheduled actions that are associated with it" (DeregisterScalableTarget, Application Auto
    Scaling API Reference). To move to the local cloud's fidelity extensions."""
    original = ApplicationAutoscalingBackend.deregister_scalable_target

    def deregister(self: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str) -> None:
        original(self, namespace, r_id, dimension)
        for key, policy in list(self.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
                namespace,
                r_id,
                dimension,
            ):
                del self.policies[key]

    monkeypatch.setattr(ApplicationAutoscalingBackend, "deregister_scalable_target", deregister)


def policies(region: str = "us-west-2") -> list[str]:
    found = boto3.client("application-autoscaling", region).describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=resource_id(XGB, "AllTraffic"), ScalableDimension=DIMENSION
    )["ScalingPolicies"]
    return [p["PolicyName"] for p in found]


@pytest.mark.usefixtures("deregistering_deletes_policies")
def test_a_check_that_dies_after_deregistering_loses_no_scaling_policy(
    cloud: Cloud, unplanned_run: dict[str, Any], runs_table: str
) -> None:
    # GIVEN the standby endpoint has a target-tracking policy, and its scale-up rolled back for lack of capacity
    boto3.client("application-autoscaling", "us-west-2").put_scaling_policy(
        ServiceNamespace="sagemaker", ResourceId=resource_id(XGB, "AllTraffic"), ScalableDimension=DIMENSION, **POLICY
    )
    cloud.sagemaker.capacity[("us-west-2", "ml.g4dn.xlarge")] = 1
    poll = cloud.invoke(scale_endpoint, {"run": unplanned_run, "endpoint": XGB})
    cloud.wait(cloud.latencies.endpoint_scale_up)

    # WHEN the check falling back dies right after DeregisterScalableTarget returned
    def die(**_: Any) -> None:
        raise LambdaDiedError("Task timed out after 30.00 seconds")

    events = clients.client("application-autoscaling", "us-west-2").meta.events
    events.register("after-call.application-autoscaling.DeregisterScalableTarget", die, unique_id="die")
    with pytest.raises(LambdaDiedError):
        check(cloud, unplanned_run, poll)
    events.unregister("after-call.application-autoscaling.DeregisterScalableTarget", unique_id="die")
    assert policies() == []  # deleted with the scalable target
    saved = boto3.client("dynamodb", "us-west-2").scan(TableName=runs_table)["Items"]
    assert [i["pk"]["S"] for i in saved if i["pk"]["S"].startswith("scaling#")] == [f"scaling#{XGB}/AllTraffic"]

    # ...and the runbook retries the check with the poll it had, then polls on until the endpoint serves
    falling_back = check(cloud, unplanned_run, poll)
    cloud.wait(cloud.latencies.endpoint_scale_up)
    done = check(cloud, unplanned_run, falling_back)

    # THEN the endpoint serves on the fallback type, registered again with its floor and its policy
    assert (done["done"], done["detail"]["instance_type"]) == (True, "ml.g4dn.2xlarge")
    assert cloud.min_capacity() == 4
    assert policies() == ["invocations-per-instance"]
    left = boto3.client("dynamodb", "us-west-2").scan(TableName=runs_table)["Items"]
    assert not [i for i in left if i["pk"]["S"].startswith("scaling#")]


def test_one_step_checks_the_polls_only_once_one_is_due_and_says_when_the_first_is(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    # GIVEN a scale-up just started, and another endpoint's poll due even later
    poll = cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": XGB})
    later = poll | {"ref": "later", "check_at": "2099-01-01T00:00:00Z"}

    early = cloud.invoke(check_endpoint, {"run": planned_run, "polls": [poll, later]})
    cloud.wait(cloud.latencies.endpoint_scale_up)
    due = cloud.invoke(check_endpoint, {"run": planned_run, "polls": [poll]})

    # THEN before the expected scale-up time nothing is checked and the next check is the first poll's; after it, the
    # endpoint is seen serving
    assert early["polls"] == [poll, later]
    assert (early["done"], early["check_at"]) == (False, poll["check_at"])
    assert (due["done"], due["polls"][0]["detail"]["instances"]) == (True, 4)
