"""The fidelity extensions readiness and capacity fallback depend on, each installed on its own on plain moto:
SageMaker capacity and UpdateEndpoint, Service Quotas for SageMaker, DynamoDB global tables.

Every assertion goes through boto3, as a handler sees AWS; time is a SteppedClock slept on by the test.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from evacops.localcloud.fidelity import (
    INSUFFICIENT_CAPACITY,
    DynamoDBGlobalTables,
    Latencies,
    SageMakerQuotas,
    SageMakerScaling,
)

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline, VirtualClock

LATENCIES = Latencies()
EAST, WEST = "us-east-1", "us-west-2"
ENDPOINT, VARIANT = "fraud-xgb", "AllTraffic"
SMALL, LARGE = "ml.g4dn.xlarge", "ml.g4dn.2xlarge"


# --- SageMaker capacity and UpdateEndpoint ----------------------------------------------------------------------------
@pytest.fixture
def sagemaker(stack: ExitStack, timeline: Timeline) -> SimpleNamespace:
    """An InService endpoint in us-west-2 with one ml.g4dn.xlarge, where the region has room for that one only."""
    extension = SageMakerScaling(timeline, LATENCIES, capacity={(WEST, SMALL): 1})
    extension.install(stack)
    client = boto3.client("sagemaker", WEST)
    client.create_model(
        ModelName=ENDPOINT,
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-west-2.amazonaws.com/xgb:1", "ModelDataUrl": "s3://m/m"},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker-execution",
    )
    for instance_type in (SMALL, LARGE):
        client.create_endpoint_config(
            EndpointConfigName=f"{ENDPOINT}-{instance_type}",
            ProductionVariants=[
                {
                    "VariantName": VARIANT,
                    "ModelName": ENDPOINT,
                    "InstanceType": instance_type,
                    "InitialInstanceCount": 1 if instance_type == SMALL else 4,
                    "InitialVariantWeight": 1.0,
                }
            ],
        )
    client.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=f"{ENDPOINT}-{SMALL}")
    return SimpleNamespace(client=client, extension=extension, runtime=boto3.client("sagemaker-runtime", WEST))


def register(instances: int = 1) -> None:
    boto3.client("application-autoscaling", WEST).register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=f"endpoint/{ENDPOINT}/variant/{VARIANT}",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=instances,
        MaxCapacity=8,
    )


def scale(sagemaker: SimpleNamespace, instances: int) -> None:
    sagemaker.client.update_endpoint_weights_and_capacities(
        EndpointName=ENDPOINT, DesiredWeightsAndCapacities=[{"VariantName": VARIANT, "DesiredInstanceCount": instances}]
    )


def described(sagemaker: SimpleNamespace) -> dict[str, Any]:
    return dict(sagemaker.client.describe_endpoint(EndpointName=ENDPOINT))


def shape(sagemaker: SimpleNamespace) -> tuple[str, int, int, str | None]:
    """(EndpointStatus, CurrentInstanceCount, DesiredInstanceCount, FailureReason)."""
    found = described(sagemaker)
    variant = found["ProductionVariants"][0]
    return (
        found["EndpointStatus"],
        variant["CurrentInstanceCount"],
        variant["DesiredInstanceCount"],
        found.get("FailureReason"),
    )


def update_endpoint(sagemaker: SimpleNamespace, instance_type: str = LARGE) -> None:
    sagemaker.client.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName=f"{ENDPOINT}-{instance_type}")


def test_a_scale_up_beyond_capacity_rolls_back_to_the_old_count_with_a_failure_reason(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    register()
    scale(sagemaker, 4)
    assert shape(sagemaker) == ("Updating", 1, 4, None)

    clock.sleep(LATENCIES.endpoint_capacity_failure)
    assert shape(sagemaker)[0] == "RollingBack"  # autoscaling is enabled on the variant

    clock.sleep(LATENCIES.endpoint_rollback)
    assert shape(sagemaker) == ("InService", 1, 1, INSUFFICIENT_CAPACITY)


def test_without_autoscaling_a_failed_scale_up_goes_straight_back_to_in_service(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    scale(sagemaker, 4)

    clock.sleep(LATENCIES.endpoint_capacity_failure)
    assert shape(sagemaker)[0] == "Updating"

    clock.sleep(LATENCIES.endpoint_rollback)
    assert shape(sagemaker) == ("InService", 1, 1, INSUFFICIENT_CAPACITY)


def test_a_scale_up_within_capacity_succeeds_and_clears_an_earlier_failure_reason(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    scale(sagemaker, 4)
    clock.sleep(LATENCIES.endpoint_capacity_failure + LATENCIES.endpoint_rollback)
    sagemaker.extension.capacity[(WEST, SMALL)] = 4  # capacity came back

    scale(sagemaker, 4)
    assert shape(sagemaker) == ("Updating", 1, 4, None)
    clock.sleep(LATENCIES.endpoint_scale_up)

    assert shape(sagemaker) == ("InService", 4, 4, None)


def test_update_endpoint_deploys_the_new_configuration_after_the_scale_up_time(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    update_endpoint(sagemaker)

    assert described(sagemaker)["EndpointConfigName"] == f"{ENDPOINT}-{SMALL}"
    assert shape(sagemaker) == ("Updating", 1, 1, None)
    # the old fleet serves while the new one is provisioned (blue/green)
    assert (
        sagemaker.runtime.invoke_endpoint(EndpointName=ENDPOINT, Body=b"{}")["ResponseMetadata"]["HTTPStatusCode"]
        == 200
    )

    clock.sleep(LATENCIES.endpoint_scale_up)
    assert described(sagemaker)["EndpointConfigName"] == f"{ENDPOINT}-{LARGE}"
    assert shape(sagemaker) == ("InService", 4, 4, None)


def test_update_endpoint_without_capacity_for_the_new_fleet_keeps_the_old_one(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    sagemaker.extension.capacity[(WEST, LARGE)] = 2
    update_endpoint(sagemaker)

    clock.sleep(LATENCIES.endpoint_capacity_failure)

    assert described(sagemaker)["EndpointConfigName"] == f"{ENDPOINT}-{SMALL}"
    assert shape(sagemaker) == ("InService", 1, 1, INSUFFICIENT_CAPACITY)


def test_update_endpoint_changing_the_instance_type_of_an_autoscaled_variant_is_refused(
    sagemaker: SimpleNamespace,
) -> None:
    register()

    with pytest.raises(ClientError) as refused:
        update_endpoint(sagemaker)

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "DeregisterScalableTarget" in refused.value.response["Error"]["Message"]
    assert shape(sagemaker)[0] == "InService"


def test_update_endpoint_keeping_the_instance_type_of_an_autoscaled_variant_is_allowed(
    sagemaker: SimpleNamespace,
) -> None:
    register()

    update_endpoint(sagemaker, SMALL)

    assert shape(sagemaker)[0] == "Updating"


def test_update_endpoint_while_updating_is_refused(sagemaker: SimpleNamespace) -> None:
    scale(sagemaker, 1)

    with pytest.raises(ClientError, match="in-progress"):
        update_endpoint(sagemaker)


@pytest.mark.parametrize(
    ("endpoint", "config", "message"),
    [("nope", f"{ENDPOINT}-{LARGE}", "Could not find endpoint"), (ENDPOINT, "nope", "Could not find endpoint conf")],
)
def test_update_endpoint_of_something_missing_is_a_validation_exception(
    sagemaker: SimpleNamespace, endpoint: str, config: str, message: str
) -> None:
    with pytest.raises(ClientError) as missing:
        sagemaker.client.update_endpoint(EndpointName=endpoint, EndpointConfigName=config)

    assert missing.value.response["Error"]["Code"] == "ValidationException"
    assert message in missing.value.response["Error"]["Message"]


# --- Service Quotas ---------------------------------------------------------------------------------------------------
@pytest.fixture
def quotas(stack: ExitStack) -> SageMakerQuotas:
    extension = SageMakerQuotas(applied={(WEST, SMALL): 8.0}, defaults={SMALL: 2.0, LARGE: 1.0})
    extension.install(stack)
    return extension


def listed(operation: str, region: str, service: str = "sagemaker") -> dict[str, float]:
    client = boto3.client("service-quotas", region)
    pages = client.get_paginator(operation).paginate(ServiceCode=service)
    return {q["QuotaName"]: q["Value"] for page in pages for q in page["Quotas"]}


def test_list_service_quotas_returns_the_applied_values_of_the_region_only(quotas: SageMakerQuotas) -> None:
    assert listed("list_service_quotas", WEST) == {f"{SMALL} for endpoint usage": 8.0}
    assert listed("list_service_quotas", EAST) == {}


def test_list_aws_default_service_quotas_returns_sagemakers_defaults_and_moto_keeps_the_rest(
    quotas: SageMakerQuotas,
) -> None:
    assert listed("list_aws_default_service_quotas", WEST) == {
        f"{SMALL} for endpoint usage": 2.0,
        f"{LARGE} for endpoint usage": 1.0,
    }
    assert listed("list_aws_default_service_quotas", WEST, "vpc")  # moto's own VPC defaults


def test_get_service_quota_returns_the_applied_value_else_the_default(quotas: SageMakerQuotas) -> None:
    client = boto3.client("service-quotas", WEST)
    codes = {
        q["QuotaName"]: q["QuotaCode"]
        for q in client.list_aws_default_service_quotas(ServiceCode="sagemaker")["Quotas"]
    }

    applied = client.get_service_quota(ServiceCode="sagemaker", QuotaCode=codes[f"{SMALL} for endpoint usage"])
    default = client.get_service_quota(ServiceCode="sagemaker", QuotaCode=codes[f"{LARGE} for endpoint usage"])

    assert (applied["Quota"]["Value"], default["Quota"]["Value"]) == (8.0, 1.0)
    with pytest.raises(ClientError) as unknown:
        client.get_service_quota(ServiceCode="sagemaker", QuotaCode="L-00000000")
    assert unknown.value.response["Error"]["Code"] == "NoSuchResourceException"


# --- DynamoDB global tables -------------------------------------------------------------------------------------------
TABLE = "features"


@pytest.fixture
def tables(stack: ExitStack, timeline: Timeline) -> SimpleNamespace:
    DynamoDBGlobalTables(timeline, LATENCIES).install(stack)
    east = boto3.client("dynamodb", EAST)
    east.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return SimpleNamespace(east=east, west=boto3.client("dynamodb", WEST))


def describe(client: Any) -> dict[str, Any]:
    return dict(client.describe_table(TableName=TABLE)["Table"])


def add_replica(tables: SimpleNamespace, region: str = WEST) -> dict[str, Any]:
    return dict(
        tables.east.update_table(TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": region}}])[
            "TableDescription"
        ]
    )


def test_a_table_without_replicas_lists_none(tables: SimpleNamespace) -> None:
    assert "Replicas" not in describe(tables.east)


def test_creating_a_replica_makes_the_table_in_the_other_region_creating_then_active(
    tables: SimpleNamespace, clock: VirtualClock
) -> None:
    answer = add_replica(tables)

    assert answer["Replicas"] == [{"RegionName": WEST, "ReplicaStatus": "CREATING"}]
    assert describe(tables.west)["TableStatus"] == "CREATING"
    assert describe(tables.west)["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]

    clock.sleep(LATENCIES.dynamodb_replica)

    assert describe(tables.east)["Replicas"] == [{"RegionName": WEST, "ReplicaStatus": "ACTIVE"}]
    assert describe(tables.west)["Replicas"] == [{"RegionName": EAST, "ReplicaStatus": "ACTIVE"}]
    assert describe(tables.west)["TableStatus"] == "ACTIVE"


@pytest.mark.parametrize("region", [EAST, WEST], ids=["own-region", "existing-replica"])
def test_a_replica_in_the_tables_own_region_or_twice_is_a_validation_exception(
    tables: SimpleNamespace, region: str
) -> None:
    if region == WEST:
        add_replica(tables)

    with pytest.raises(ClientError) as refused:
        add_replica(tables, region)

    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_deleting_a_replica_removes_it(tables: SimpleNamespace, clock: VirtualClock) -> None:
    add_replica(tables)
    clock.sleep(LATENCIES.dynamodb_replica)

    tables.east.update_table(TableName=TABLE, ReplicaUpdates=[{"Delete": {"RegionName": WEST}}])

    assert describe(tables.east)["Replicas"] == []
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        describe(tables.west)
