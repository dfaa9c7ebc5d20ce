"""The fidelity extensions (``evacops.localcloud.fidelity``), each installed on its own on plain moto.

Every assertion goes through boto3, as a handler sees AWS. Time is a SteppedClock: a test plays a latency by sleeping
it on the clock, so "just before" and "just after" the modelled latency are exact.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from evacops.localcloud.fidelity import AuroraGlobalFailover, Latencies, Route53Propagation, SageMakerScaling

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline, VirtualClock

LATENCIES = Latencies()
EAST, WEST = "us-east-1", "us-west-2"


# --- Aurora Global Database -------------------------------------------------------------------------------------------
@pytest.fixture
def aurora(stack: ExitStack, timeline: Timeline) -> SimpleNamespace:
    """A global cluster created from a us-east-1 cluster, with a us-west-2 secondary."""
    AuroraGlobalFailover(timeline, LATENCIES).install(stack)
    east, west = boto3.client("rds", EAST), boto3.client("rds", WEST)
    primary = east.create_db_cluster(
        DBClusterIdentifier="orders-use1",
        Engine="aurora-postgresql",
        MasterUsername="evac",
        MasterUserPassword="local-only-password",
    )["DBCluster"]["DBClusterArn"]
    east.create_global_cluster(GlobalClusterIdentifier="orders-global", SourceDBClusterIdentifier=primary)
    secondary = west.create_db_cluster(
        DBClusterIdentifier="orders-usw2", Engine="aurora-postgresql", GlobalClusterIdentifier="orders-global"
    )["DBCluster"]["DBClusterArn"]
    return SimpleNamespace(east=east, west=west, primary=primary, secondary=secondary, id="orders-global")


def create_from(region: str, stack: ExitStack | None, timeline: Timeline | None) -> dict[str, Any]:
    """A cluster in ``region`` made the primary of a new global cluster (the extension installed when ``stack`` is
    given), a secondary in eu-west-2; what DescribeGlobalClusters then answers, from either region."""
    if stack is not None and timeline is not None:
        AuroraGlobalFailover(timeline, LATENCIES).install(stack)
    rds = boto3.client("rds", region)
    source = rds.create_db_cluster(
        DBClusterIdentifier="search-dub", Engine="aurora-mysql", MasterUsername="evac", MasterUserPassword="local-only"
    )["DBCluster"]
    rds.create_global_cluster(GlobalClusterIdentifier="search-global", SourceDBClusterIdentifier=source["DBClusterArn"])
    boto3.client("rds", "eu-west-2").create_db_cluster(
        DBClusterIdentifier="search-lhr", Engine="aurora-mysql", GlobalClusterIdentifier="search-global"
    )
    return describe_global(boto3.client("rds", "eu-west-2"), "search-global")


def test_a_global_cluster_is_created_from_a_source_cluster_in_any_region(stack: ExitStack, timeline: Timeline) -> None:
    described = create_from("eu-west-1", stack, timeline)

    members = {m["DBClusterArn"].split(":")[3]: m["IsWriter"] for m in described["GlobalClusterMembers"]}
    assert members == {"eu-west-1": True, "eu-west-2": False}
    assert described["Engine"] == "aurora-mysql"  # inherited from the source cluster


def test_plain_moto_finds_source_clusters_in_us_east_1_only(aws: None) -> None:
    # The negative control of the test above: without the extension, moto 5.2.5 refuses an eu-west-1 source.
    with pytest.raises(ClientError) as refused:
        create_from("eu-west-1", None, None)

    assert refused.value.response["Error"]["Code"] == "DBClusterNotFoundFault"


def test_a_source_cluster_arn_naming_no_cluster_is_not_found(stack: ExitStack, timeline: Timeline) -> None:
    AuroraGlobalFailover(timeline, LATENCIES).install(stack)
    missing = "arn:aws:rds:eu-west-1:123456789012:cluster:no-such-cluster"

    with pytest.raises(ClientError) as refused:
        boto3.client("rds", "eu-west-1").create_global_cluster(
            GlobalClusterIdentifier="search-global", SourceDBClusterIdentifier=missing
        )

    assert refused.value.response["Error"]["Code"] == "DBClusterNotFoundFault"


def test_a_source_cluster_and_an_engine_together_are_an_invalid_combination(
    stack: ExitStack, timeline: Timeline
) -> None:
    AuroraGlobalFailover(timeline, LATENCIES).install(stack)
    rds = boto3.client("rds", "eu-central-1")
    source = rds.create_db_cluster(
        DBClusterIdentifier="search-fra", Engine="aurora-mysql", MasterUsername="evac", MasterUserPassword="local-only"
    )["DBCluster"]["DBClusterArn"]

    with pytest.raises(ClientError) as refused:
        rds.create_global_cluster(
            GlobalClusterIdentifier="search-global", SourceDBClusterIdentifier=source, Engine="aurora-mysql"
        )

    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"


def describe_global(rds: Any, identifier: str) -> dict[str, Any]:
    return dict(rds.describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"][0])


def writers(rds: Any, identifier: str) -> list[str]:
    return [m["DBClusterArn"] for m in describe_global(rds, identifier)["GlobalClusterMembers"] if m["IsWriter"]]


def test_source_cluster_of_a_new_global_cluster_is_its_writer(aurora: SimpleNamespace) -> None:
    members = {m["DBClusterArn"]: m for m in describe_global(aurora.east, aurora.id)["GlobalClusterMembers"]}

    assert members[aurora.primary]["IsWriter"] is True
    assert members[aurora.secondary]["IsWriter"] is False
    assert members[aurora.primary]["Readers"] == [aurora.secondary]


def test_failover_with_allow_data_loss_is_failing_over_before_the_writer_moves(aurora: SimpleNamespace) -> None:
    answer = aurora.west.failover_global_cluster(
        GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.secondary, AllowDataLoss=True
    )["GlobalCluster"]

    # DescribeGlobalClusters answers the same in either region.
    for seen in (answer, describe_global(aurora.east, aurora.id), describe_global(aurora.west, aurora.id)):
        assert seen["Status"] == "failing-over"
        assert seen["FailoverState"] == {
            "Status": "failing-over",
            "FromDbClusterArn": aurora.primary,
            "ToDbClusterArn": aurora.secondary,
            "IsDataLossAllowed": True,
        }
    assert writers(aurora.west, aurora.id) == [aurora.primary]


def test_failover_moves_the_writer_after_the_failover_latency(aurora: SimpleNamespace, clock: VirtualClock) -> None:
    aurora.west.failover_global_cluster(
        GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.secondary, AllowDataLoss=True
    )

    clock.sleep(LATENCIES.aurora_failover - 1)
    assert describe_global(aurora.west, aurora.id)["Status"] == "failing-over"
    assert writers(aurora.west, aurora.id) == [aurora.primary]

    clock.sleep(1)
    described = describe_global(aurora.west, aurora.id)
    assert described["Status"] == "available"
    assert "FailoverState" not in described
    assert writers(aurora.west, aurora.id) == [aurora.secondary]
    members = {m["DBClusterArn"]: m for m in described["GlobalClusterMembers"]}
    assert members[aurora.secondary]["Readers"] == [aurora.primary]


@pytest.mark.parametrize("flags", [{}, {"AllowDataLoss": False}, {"AllowDataLoss": False, "Switchover": False}])
def test_failover_without_allow_data_loss_or_switchover_is_refused_as_invalid_parameter_combination(
    aurora: SimpleNamespace, flags: dict[str, bool]
) -> None:
    with pytest.raises(ClientError) as refused:
        aurora.west.failover_global_cluster(
            GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.secondary, **flags
        )

    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert describe_global(aurora.west, aurora.id)["Status"] == "available"
    assert writers(aurora.west, aurora.id) == [aurora.primary]


def test_switchover_moves_the_writer_without_data_loss_after_the_switchover_latency(
    aurora: SimpleNamespace, clock: VirtualClock
) -> None:
    aurora.west.switchover_global_cluster(GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.secondary)

    described = describe_global(aurora.west, aurora.id)
    assert described["Status"] == "switching-over"
    assert described["FailoverState"]["IsDataLossAllowed"] is False
    assert described["FailoverState"]["ToDbClusterArn"] == aurora.secondary

    clock.sleep(LATENCIES.aurora_switchover - 1)
    assert writers(aurora.west, aurora.id) == [aurora.primary]

    clock.sleep(1)
    assert describe_global(aurora.west, aurora.id)["Status"] == "available"
    assert writers(aurora.west, aurora.id) == [aurora.secondary]


def test_failover_with_switchover_flag_is_a_switchover(aurora: SimpleNamespace, clock: VirtualClock) -> None:
    aurora.west.failover_global_cluster(
        GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.secondary, Switchover=True
    )

    described = describe_global(aurora.west, aurora.id)
    assert described["Status"] == "switching-over"
    assert described["FailoverState"]["IsDataLossAllowed"] is False

    clock.sleep(LATENCIES.aurora_switchover)
    assert writers(aurora.west, aurora.id) == [aurora.secondary]


@pytest.mark.parametrize("second", ["failover", "switchover"])
def test_a_second_promotion_while_one_is_in_flight_is_refused(
    aurora: SimpleNamespace, clock: VirtualClock, second: str
) -> None:
    aurora.west.failover_global_cluster(
        GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.secondary, AllowDataLoss=True
    )
    clock.sleep(LATENCIES.aurora_failover / 2)

    back_to_primary = {"GlobalClusterIdentifier": aurora.id, "TargetDbClusterIdentifier": aurora.primary}
    promote = {
        "failover": lambda: aurora.east.failover_global_cluster(**back_to_primary, AllowDataLoss=True),
        "switchover": lambda: aurora.east.switchover_global_cluster(**back_to_primary),
    }[second]

    with pytest.raises(ClientError) as refused:
        promote()

    assert refused.value.response["Error"]["Code"] == "InvalidGlobalClusterStateFault"
    clock.sleep(LATENCIES.aurora_failover / 2)
    assert writers(aurora.west, aurora.id) == [aurora.secondary]  # the first promotion still completes


def test_a_promotion_after_the_previous_one_completed_is_accepted(aurora: SimpleNamespace, clock: VirtualClock) -> None:
    aurora.west.failover_global_cluster(
        GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.secondary, AllowDataLoss=True
    )
    clock.sleep(LATENCIES.aurora_failover)

    aurora.east.switchover_global_cluster(GlobalClusterIdentifier=aurora.id, TargetDbClusterIdentifier=aurora.primary)
    clock.sleep(LATENCIES.aurora_switchover)

    assert writers(aurora.east, aurora.id) == [aurora.primary]


# --- SageMaker endpoints ----------------------------------------------------------------------------------------------
ENDPOINT, VARIANT = "fraud-xgb", "AllTraffic"


def create_endpoint(client: Any) -> None:
    """An InService endpoint with one instance (a warm standby)."""
    client.create_model(
        ModelName=ENDPOINT,
        PrimaryContainer={
            "Image": f"763104351884.dkr.ecr.{WEST}.amazonaws.com/xgboost-inference:1.7-1",
            "ModelDataUrl": "s3://models/model.tar.gz",
        },
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker-execution",
    )
    client.create_endpoint_config(
        EndpointConfigName=f"{ENDPOINT}-config",
        ProductionVariants=[
            {
                "VariantName": VARIANT,
                "ModelName": ENDPOINT,
                "InstanceType": "ml.g4dn.xlarge",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    client.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=f"{ENDPOINT}-config")


@pytest.fixture
def sagemaker(stack: ExitStack, timeline: Timeline) -> SimpleNamespace:
    """An InService endpoint in us-west-2 with one instance (a warm standby)."""
    SageMakerScaling(timeline, LATENCIES).install(stack)
    client = boto3.client("sagemaker", WEST)
    create_endpoint(client)
    return SimpleNamespace(client=client, runtime=boto3.client("sagemaker-runtime", WEST))


def scale(sagemaker: SimpleNamespace, instances: int) -> None:
    sagemaker.client.update_endpoint_weights_and_capacities(
        EndpointName=ENDPOINT, DesiredWeightsAndCapacities=[{"VariantName": VARIANT, "DesiredInstanceCount": instances}]
    )


def endpoint(sagemaker: SimpleNamespace) -> tuple[str, int, int]:
    """(EndpointStatus, CurrentInstanceCount, DesiredInstanceCount) of the variant."""
    described = sagemaker.client.describe_endpoint(EndpointName=ENDPOINT)
    variant = next(v for v in described["ProductionVariants"] if v["VariantName"] == VARIANT)
    return described["EndpointStatus"], variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]


def invoke(sagemaker: SimpleNamespace, name: str = ENDPOINT) -> dict[str, Any]:
    return dict(
        sagemaker.runtime.invoke_endpoint(EndpointName=name, ContentType="application/json", Body=b'{"amount": 1}')
    )


def test_update_weights_and_capacities_sets_the_desired_count_at_once_and_goes_updating(
    sagemaker: SimpleNamespace,
) -> None:
    assert endpoint(sagemaker) == ("InService", 1, 1)

    scale(sagemaker, 4)

    assert endpoint(sagemaker) == ("Updating", 1, 4)


def test_endpoint_is_in_service_with_the_new_instance_count_after_the_scale_up_latency(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    scale(sagemaker, 4)

    clock.sleep(LATENCIES.endpoint_scale_up - 1)
    assert endpoint(sagemaker) == ("Updating", 3, 4)

    clock.sleep(1)
    assert endpoint(sagemaker) == ("InService", 4, 4)


def test_new_instances_come_into_service_one_by_one_while_the_endpoint_is_updating(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    # GIVEN three new instances: the first serves after the first-instance latency, the last after the scale-up one
    scale(sagemaker, 4)
    seen = []
    for moment in (LATENCIES.endpoint_first_instance - 1, LATENCIES.endpoint_first_instance, 300.0, 359.0, 360.0):
        clock.sleep(moment - clock.elapsed())
        seen.append((moment, *endpoint(sagemaker)))

    assert seen == [
        (239.0, "Updating", 1, 4),
        (240.0, "Updating", 2, 4),
        (300.0, "Updating", 3, 4),
        (359.0, "Updating", 3, 4),
        (360.0, "InService", 4, 4),
    ]


def test_a_single_new_instance_serves_after_the_scale_up_latency(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    scale(sagemaker, 2)

    clock.sleep(LATENCIES.endpoint_scale_up - 1)
    assert endpoint(sagemaker) == ("Updating", 1, 2)
    clock.sleep(1)
    assert endpoint(sagemaker) == ("InService", 2, 2)


def test_a_scale_in_takes_effect_when_the_update_completes(sagemaker: SimpleNamespace, clock: VirtualClock) -> None:
    scale(sagemaker, 3)
    clock.sleep(LATENCIES.endpoint_scale_up)

    scale(sagemaker, 1)
    assert endpoint(sagemaker) == ("Updating", 3, 1)
    clock.sleep(LATENCIES.endpoint_scale_up)
    assert endpoint(sagemaker) == ("InService", 1, 1)


def test_capacity_over_time_is_observable_from_the_history(
    stack: ExitStack, timeline: Timeline, clock: VirtualClock
) -> None:
    # GIVEN the extension kept by the test, so its history can be read
    scaling = SageMakerScaling(timeline, LATENCIES)
    scaling.install(stack)
    create_endpoint(boto3.client("sagemaker", WEST))
    clock.sleep(10)
    scale(SimpleNamespace(client=boto3.client("sagemaker", WEST)), 4)
    clock.sleep(LATENCIES.endpoint_scale_up)
    boto3.client("sagemaker", WEST).describe_endpoint(EndpointName=ENDPOINT)  # AWS state is seen when read

    at = {t: scaling.instances_at(WEST, ENDPOINT, t) for t in (0, 249, 250, 310, 369, 370)}

    assert at == {0: 1, 249: 1, 250: 2, 310: 3, 369: 3, 370: 4}
    assert scaling.instances_at(EAST, ENDPOINT, 370) == 0  # never created there
    assert [h["status"] for h in scaling.history][-1] == "InService"


def test_update_while_the_endpoint_is_updating_is_refused_with_validation_exception(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    scale(sagemaker, 4)

    with pytest.raises(ClientError) as refused:
        scale(sagemaker, 6)

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "in-progress" in refused.value.response["Error"]["Message"]
    clock.sleep(LATENCIES.endpoint_scale_up)
    assert endpoint(sagemaker) == ("InService", 4, 4)  # the refused update changed nothing
    scale(sagemaker, 6)  # and once InService again, the endpoint accepts updates
    assert endpoint(sagemaker) == ("Updating", 4, 6)


def test_invoke_endpoint_answers_for_an_in_service_endpoint(sagemaker: SimpleNamespace) -> None:
    answer = invoke(sagemaker)

    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Body" in answer


def test_invoke_endpoint_keeps_answering_while_an_endpoint_with_instances_scales(sagemaker: SimpleNamespace) -> None:
    scale(sagemaker, 4)

    assert invoke(sagemaker)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_invoke_endpoint_fails_for_a_missing_endpoint(sagemaker: SimpleNamespace) -> None:
    with pytest.raises(ClientError) as failed:
        invoke(sagemaker, "no-such-endpoint")

    assert failed.value.response["Error"]["Code"] == "ValidationError"
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_list_endpoints_shows_in_service_after_the_scale_up_latency(
    sagemaker: SimpleNamespace, clock: VirtualClock
) -> None:
    scale(sagemaker, 4)
    clock.sleep(LATENCIES.endpoint_scale_up)

    listed = sagemaker.client.list_endpoints()["Endpoints"]

    assert [(e["EndpointName"], e["EndpointStatus"]) for e in listed] == [(ENDPOINT, "InService")]


# --- Route 53 ---------------------------------------------------------------------------------------------------------
RECORD = "api.orders.example.com."


@pytest.fixture
def route53(stack: ExitStack, timeline: Timeline) -> SimpleNamespace:
    """A hosted zone with a weighted record: all traffic to us-east-1."""
    Route53Propagation(timeline, LATENCIES).install(stack)
    client = boto3.client("route53", EAST)
    zone = client.create_hosted_zone(Name="orders.example.com.", CallerReference="evac-test")["HostedZone"]["Id"]
    dns = SimpleNamespace(client=client, zone=zone)
    change_weights(dns, {EAST: 100, WEST: 0}, action="CREATE")
    return dns


def change_weights(dns: SimpleNamespace, weights: dict[str, int], action: str = "UPSERT") -> dict[str, Any]:
    changes = [
        {
            "Action": action,
            "ResourceRecordSet": {
                "Name": RECORD,
                "Type": "CNAME",
                "SetIdentifier": region,
                "Weight": weight,
                "TTL": 60,
                "ResourceRecords": [{"Value": f"api-{region}.orders.example.com"}],
            },
        }
        for region, weight in weights.items()
    ]
    answer = dns.client.change_resource_record_sets(HostedZoneId=dns.zone, ChangeBatch={"Changes": changes})
    return dict(answer["ChangeInfo"])


def status(dns: SimpleNamespace, change_id: str) -> str:
    return str(dns.client.get_change(Id=change_id)["ChangeInfo"]["Status"])


def test_change_resource_record_sets_answers_pending_with_a_change_id(route53: SimpleNamespace) -> None:
    change = change_weights(route53, {EAST: 0, WEST: 100})

    assert change["Status"] == "PENDING"
    assert change["Id"].startswith("/change/")


def test_get_change_is_pending_until_propagated_then_insync(route53: SimpleNamespace, clock: VirtualClock) -> None:
    clock.sleep(LATENCIES.dns_propagation)  # the fixture's CREATE has propagated
    change = change_weights(route53, {EAST: 0, WEST: 100})

    assert status(route53, change["Id"]) == "PENDING"
    clock.sleep(LATENCIES.dns_propagation - 1)
    assert status(route53, change["Id"]) == "PENDING"

    clock.sleep(1)
    assert status(route53, change["Id"]) == "INSYNC"
    # GetChange takes the id with or without its /change/ prefix, as boto3 and the console pass it.
    assert status(route53, change["Id"].removeprefix("/change/")) == "INSYNC"


def test_each_change_propagates_on_its_own_schedule(route53: SimpleNamespace, clock: VirtualClock) -> None:
    first = change_weights(route53, {EAST: 50, WEST: 50})
    clock.sleep(LATENCIES.dns_propagation / 2)
    second = change_weights(route53, {EAST: 0, WEST: 100})

    assert first["Id"] != second["Id"]
    clock.sleep(LATENCIES.dns_propagation / 2)
    assert (status(route53, first["Id"]), status(route53, second["Id"])) == ("INSYNC", "PENDING")
    clock.sleep(LATENCIES.dns_propagation / 2)
    assert status(route53, second["Id"]) == "INSYNC"


def test_record_weights_are_visible_in_list_resource_record_sets_at_once(route53: SimpleNamespace) -> None:
    change = change_weights(route53, {EAST: 0, WEST: 100})

    records = route53.client.list_resource_record_sets(HostedZoneId=route53.zone)["ResourceRecordSets"]
    assert {r["SetIdentifier"]: r["Weight"] for r in records if r["Name"] == RECORD} == {EAST: 0, WEST: 100}
    assert status(route53, change["Id"]) == "PENDING"


def test_get_change_of_an_unknown_change_id_is_no_such_change(route53: SimpleNamespace) -> None:
    with pytest.raises(ClientError) as unknown:
        route53.client.get_change(Id="C0000000NOSUCHCHANGE")

    assert unknown.value.response["Error"]["Code"] == "NoSuchChange"


def test_get_change_reports_when_the_change_was_submitted(route53: SimpleNamespace, clock: VirtualClock) -> None:
    change = change_weights(route53, {EAST: 0, WEST: 100})
    clock.sleep(LATENCIES.dns_propagation)

    later = route53.client.get_change(Id=change["Id"])["ChangeInfo"]

    assert later["SubmittedAt"] == change["SubmittedAt"]
