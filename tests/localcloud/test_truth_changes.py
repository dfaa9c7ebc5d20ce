"""Ground truth (``evacops.localcloud.truth``) after a change: each test changes the world as AWS would be asked to
(boto3 from the test, outside any function, so neither recorded nor faulted) and checks that the truth's read agrees
with what happened.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from collections.abc import Iterator

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
# A step that adds no metric makes Powertools warn (the cloud ignores it too; pytest resets filters per test).
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    """A cloud each test changes one part of (the writer, the record, the secondary's endpoint, the secondary's
    runbook, the primary's runs table) and reads that part only: starting a cloud takes seconds."""
    with LocalCloud() as local:
        yield local


def cluster_arn(cloud: LocalCloud, region: str) -> str:
    cluster = cloud.plan.database.clusters[region]
    described = boto3.client("rds", region).describe_db_clusters(DBClusterIdentifier=cluster)
    return str(described["DBClusters"][0]["DBClusterArn"])


def set_weights(cloud: LocalCloud, weights: dict[str, int]) -> None:
    """UPSERT the weighted record's sets with new weights, as a DNS shift would."""
    dns, route53 = cloud.plan.dns, boto3.client("route53", PRIMARY)
    found = route53.list_resource_record_sets(
        HostedZoneId=cloud.zone_id, StartRecordName=dns.record_name, StartRecordType=dns.record_type
    )["ResourceRecordSets"]
    changes = [
        {"Action": "UPSERT", "ResourceRecordSet": r | {"Weight": weights[r["SetIdentifier"]]}}
        for r in found
        if r.get("SetIdentifier") in weights
    ]
    route53.change_resource_record_sets(HostedZoneId=cloud.zone_id, ChangeBatch={"Changes": changes})


# --- what happened ----------------------------------------------------------------------------------------------------
def test_after_a_failover_the_writer_is_the_target_and_only_the_target(cloud: LocalCloud) -> None:
    boto3.client("rds", SECONDARY).failover_global_cluster(
        GlobalClusterIdentifier=cloud.plan.database.global_cluster,
        TargetDbClusterIdentifier=cluster_arn(cloud, SECONDARY),
        AllowDataLoss=True,
    )
    assert cloud.truth.writer_regions() == [PRIMARY]  # failing over: the writer has not moved yet

    assert cloud.wait_until(lambda: cloud.truth.writer_region() == SECONDARY, timeout_modelled=600)
    assert cloud.truth.writer_regions() == [SECONDARY]
    assert cloud.writer_region() == SECONDARY
    assert cloud.writer_regions() == [SECONDARY]


def test_dns_weights_and_region_follow_the_record_sets(cloud: LocalCloud) -> None:
    ids = cloud.plan.dns.set_identifiers

    set_weights(cloud, {ids[PRIMARY]: 0, ids[SECONDARY]: 100})
    assert cloud.dns_weights() == {ids[PRIMARY]: 0, ids[SECONDARY]: 100}
    assert cloud.dns_region() == SECONDARY

    set_weights(cloud, {ids[PRIMARY]: 50, ids[SECONDARY]: 50})
    assert cloud.dns_region() is None  # split: no one region receives the traffic


def test_endpoints_show_a_scale_up_as_it_happens(cloud: LocalCloud) -> None:
    endpoint = cloud.plan.inference.endpoints[0]
    wanted = endpoint.active_instances + 1
    boto3.client("sagemaker", SECONDARY).update_endpoint_weights_and_capacities(
        EndpointName=endpoint.name,
        DesiredWeightsAndCapacities=[{"VariantName": endpoint.variant, "DesiredInstanceCount": wanted}],
    )

    def seen() -> dict[str, Any]:
        return next(e for e in cloud.endpoints() if (e["region"], e["name"]) == (SECONDARY, endpoint.name))

    assert seen()["status"] == "Updating"
    assert cloud.wait_until(lambda: seen()["status"] == "InService", timeout_modelled=3600)
    assert seen()["instances"] == wanted


def test_executions_notifications_and_the_ledger_are_what_the_runbook_left(cloud: LocalCloud) -> None:
    # A runbook that fails at planning: it still records the run and notifies.
    stack = cloud.stacks[SECONDARY]
    sfn = boto3.client("stepfunctions", SECONDARY)
    started = sfn.start_execution(
        stateMachineArn=stack.runbook_arn,
        name="bad-mode",
        input=json.dumps({"incident_id": "bad-mode", "mode": "sideways"}),
    )
    cloud.wait_for_execution(started["executionArn"])

    listed = sfn.list_executions(stateMachineArn=stack.runbook_arn)["executions"]
    truth = cloud.truth.executions(SECONDARY)
    keys = ("executionArn", "name", "status", "stateMachineArn")
    assert [{k: e[k] for k in keys} for e in truth] == [{k: e[k] for k in keys} for e in listed]
    assert truth[0]["status"] == "FAILED"
    assert abs((truth[0]["startDate"] - listed[0]["startDate"]).total_seconds()) < 0.001
    assert cloud.executions(SECONDARY) == truth
    record = cloud.truth.run(SECONDARY, "bad-mode")
    assert record is not None
    assert record["outcome"] == "FAILED"
    assert cloud.truth.runs(SECONDARY) == [record]
    assert cloud.truth.lock_holder(SECONDARY, cloud.plan.application) is None
    assert cloud.notifications(SECONDARY) == cloud.truth.notifications(SECONDARY) != []


def test_state_transitions_and_history_sizes_are_what_get_execution_history_answers(cloud: LocalCloud) -> None:
    # After the failed runbook above (and a failover before it): every execution of every machine, both regions.
    entered = 0
    for region, deployed in cloud.stacks.items():
        sfn = boto3.client("stepfunctions", region)
        for machine, arn in deployed.state_machine_arns.items():
            sizes = {}
            for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
                events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
                entered += sum(e["type"].endswith("StateEntered") for e in events)
                sizes[execution["executionArn"]] = len(events)
            assert cloud.truth.history_events(region, machine) == sizes
    assert entered > 0
    assert cloud.truth.state_transitions() == entered


def test_the_lock_holder_is_the_lock_item_in_the_runs_table(cloud: LocalCloud) -> None:
    boto3.client("dynamodb", PRIMARY).put_item(
        TableName=cloud.stacks[PRIMARY].table,
        Item={"pk": {"S": f"lock#{cloud.plan.application}"}, "incident_id": {"S": "inc-1"}},
    )

    assert cloud.truth.lock_holder(PRIMARY, cloud.plan.application) == "inc-1"
