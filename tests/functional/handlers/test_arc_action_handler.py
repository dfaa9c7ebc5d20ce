"""ARC Region switch's custom action on moto: each evac step of an ARC execution, invoked with the payload
``evac plan export --arc`` writes and the execution metadata ARC merges into it, on the seeded account (serving from
us-east-1, this stack in us-west-2 activated)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.errors import InvalidInputError, StepPendingError
from evac.handlers import arc_action, promote_database
from evacops.arc.export import Target, create_plan_request
from tests.functional.conftest import TABLE

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud

XGB = "fraud-scoring-xgb"
EXECUTION = "e7f3a1b2c4d5"
METADATA = {
    "InvokedBy": "arc-region-switch",
    "PlanArn": "arn:aws:arc-region-switch::123456789012:plan/fraud-scoring:abc123",
    "ExecutionId": EXECUTION,
}


def exported(cloud: Cloud, step_name: str) -> dict[str, Any]:
    """The event ARC sends for one step of the exported plan's us-west-2 workflow: the step's payload for this
    region's function, with ARC's metadata merged into its top level."""
    request = create_plan_request(cloud.plan, Target(account="123456789012", stack_name="evac-fraud-scoring"))
    workflow = next(w for w in request["workflows"] if w["workflowTargetRegion"] == "us-west-2")
    steps = workflow["steps"] + [
        s
        for p in workflow["steps"]
        if p["executionBlockType"] == "Parallel"
        for s in p["executionBlockConfiguration"]["parallelConfig"]["steps"]
    ]
    found = next(s for s in steps if s["name"] == step_name)
    lambdas = found["executionBlockConfiguration"]["customActionLambdaConfig"]["lambdas"]
    payload = next(json.loads(f["payload"]) for f in lambdas if ":us-west-2:" in f["arn"])
    return {**payload, **METADATA, "StepName": step_name}


def arc_event(step: str, **evac: Any) -> dict[str, Any]:
    return {"evac": {"step": step, "application": "fraud-scoring", **evac}, **METADATA}


def progress(incident: str = f"arc-{EXECUTION}") -> dict[str, Any] | None:
    item = boto3.client("dynamodb", "us-west-2").get_item(TableName=TABLE, Key={"pk": {"S": f"arc#{incident}"}})
    return item.get("Item")


def scaled(cloud: Cloud) -> dict[str, Any]:
    """ARC's capacity step, retried as ARC does until done: pending while instances come into service."""
    event = exported(cloud, f"capacity-{XGB}")
    with pytest.raises(StepPendingError, match="not done yet"):
        cloud.invoke(arc_action, event)
    cloud.wait(cloud.latencies.endpoint_scale_up)
    return cloud.invoke(arc_action, event)


def promoted(cloud: Cloud) -> None:
    """ARC's Aurora global database block, played by evac's own promote step: the writer moves to us-west-2."""
    run = {
        "incident_id": "arc-block", "application": "fraud-scoring", "mode": "planned", "strategy": "switchover",
        "source_region": "us-east-1", "target_region": "us-west-2", "detected_at": cloud.clock.now().isoformat(),
        "started_at": cloud.clock.now().isoformat(), "rpo_seconds": 0,
    }  # fmt: skip
    cloud.invoke(promote_database, {"run": run})
    cloud.wait(cloud.latencies.aurora_switchover)


def test_preflight_checks_this_region_as_the_target_and_changes_nothing(cloud: Cloud) -> None:
    before = cloud.endpoint()["ProductionVariants"][0]["DesiredInstanceCount"]

    found = cloud.invoke(arc_action, exported(cloud, "preflight"))

    assert {c["name"] for c in found["checks"] if c["ok"]} >= {"rds.target_cluster", f"sagemaker.endpoint:{XGB}"}
    assert found["readiness"]["target_region"] == "us-west-2"
    assert cloud.endpoint()["ProductionVariants"][0]["DesiredInstanceCount"] == before
    assert cloud.writer_region() == "us-east-1"


def test_scale_endpoint_raises_the_target_to_active_capacity_and_is_pending_until_in_service(cloud: Cloud) -> None:
    event = exported(cloud, f"capacity-{XGB}")

    with pytest.raises(StepPendingError):
        cloud.invoke(arc_action, event)
    variant = cloud.endpoint()["ProductionVariants"][0]
    assert (variant["DesiredInstanceCount"], cloud.min_capacity()) == (4, 4)
    assert cloud.endpoint("us-east-1")["ProductionVariants"][0]["CurrentInstanceCount"] == 4

    with pytest.raises(StepPendingError):  # ARC's retry a minute later: still scaling, nothing asked twice
        cloud.invoke(arc_action, event)
    cloud.wait(cloud.latencies.endpoint_scale_up)
    poll = cloud.invoke(arc_action, event)

    assert (poll["done"], poll["detail"]["instances"]) == (True, 4)
    assert cloud.endpoint()["ProductionVariants"][0]["CurrentInstanceCount"] == 4


def test_shift_dns_moves_the_weights_to_this_region_and_is_pending_until_insync(cloud: Cloud) -> None:
    scaled(cloud)
    event = arc_event("shift-dns", record=cloud.plan.dns.record_name)

    with pytest.raises(StepPendingError):
        cloud.invoke(arc_action, event)
    assert cloud.dns_weights() == {"fraud-scoring-use1": 0, "fraud-scoring-usw2": 100}
    cloud.wait(cloud.latencies.dns_propagation)
    poll = cloud.invoke(arc_action, event)

    assert poll["done"] is True
    assert cloud.dns_weights() == {"fraud-scoring-use1": 0, "fraud-scoring-usw2": 100}


def test_verify_proves_the_writer_the_weights_and_a_canary_after_evac_moved_the_traffic(cloud: Cloud) -> None:
    promoted(cloud)
    scaled(cloud)
    shift = arc_event("shift-dns")
    with pytest.raises(StepPendingError):
        cloud.invoke(arc_action, shift)
    cloud.wait(cloud.latencies.dns_propagation)
    cloud.invoke(arc_action, shift)

    verification = cloud.invoke(arc_action, exported(cloud, "verify"))

    assert (verification["writer_region"], verification["weights"]) == (
        "us-west-2",
        {"fraud-scoring-use1": 0, "fraud-scoring-usw2": 100},
    )
    assert [(c["endpoint"], c["ok"]) for c in verification["canaries"]] == [(XGB, True)]


def test_verify_fails_while_the_writer_is_still_in_the_source(cloud: Cloud) -> None:
    scaled(cloud)

    with pytest.raises(Exception, match="writer is in us-east-1, not us-west-2") as raised:
        cloud.invoke(arc_action, exported(cloud, "verify"))
    assert type(raised.value).__name__ == "VerificationFailedError"


def test_record_writes_the_run_record_of_the_execution_from_what_its_steps_found(cloud: Cloud) -> None:
    # GIVEN an ARC execution's steps: evac's preflight, ARC's Aurora block, evac's capacity and verification
    cloud.invoke(arc_action, exported(cloud, "preflight"))
    promoted(cloud)
    scaled(cloud)
    cloud.invoke(arc_action, exported(cloud, "verify"))

    cloud.invoke(arc_action, exported(cloud, "record"))

    item = boto3.client("dynamodb", "us-west-2").get_item(TableName=TABLE, Key={"pk": {"S": f"run#arc-{EXECUTION}"}})
    record = json.loads(item["Item"]["record"]["S"])
    assert (record["outcome"], record["strategy"], record["source_region"], record["target_region"]) == (
        "SUCCEEDED",
        "switchover",
        "us-east-1",
        "us-west-2",
    )
    assert record["rto_seconds"] > cloud.latencies.endpoint_scale_up
    assert record["request"]["PlanArn"] == METADATA["PlanArn"]
    assert {p["name"] for p in record["phases"]} >= {"prepare", "verify"}


def test_every_step_of_one_execution_works_on_the_run_its_first_step_decided(cloud: Cloud) -> None:
    cloud.invoke(arc_action, exported(cloud, "preflight"))
    first = json.loads(progress()["run"]["S"])  # type: ignore[index]
    cloud.wait(120)

    with pytest.raises(StepPendingError):
        cloud.invoke(arc_action, exported(cloud, f"capacity-{XGB}"))

    assert json.loads(progress()["run"]["S"])["started_at"] == first["started_at"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("evac", "field"),
    [
        ({"step": "scale-endpoint", "application": "fraud-scoring"}, "evac.scale-endpoint.endpoint"),
        ({"step": "scale-endpoint", "application": "fraud-scoring", "endpoint": XGB, "instance": 4}, "instance"),
        ({"step": "promote", "application": "fraud-scoring"}, "evac"),
        ({"step": "verify", "application": "fraud-scoring", "action": "verify"}, "evac.verify.action"),
        ({"step": "verify"}, "evac.verify.application"),
    ],
)
def test_a_malformed_evac_part_is_refused_naming_the_field_and_touches_nothing(
    cloud: Cloud, evac: dict[str, Any], field: str
) -> None:
    before = cloud.endpoint()["ProductionVariants"][0]["DesiredInstanceCount"]

    with pytest.raises(InvalidInputError, match=field):
        cloud.invoke(arc_action, {"evac": evac, **METADATA})

    assert cloud.endpoint()["ProductionVariants"][0]["DesiredInstanceCount"] == before
    assert progress() is None


@pytest.mark.parametrize(
    ("evac", "field"),
    [
        ({"application": "someone-else"}, "evac.application"),
        ({"endpoint": "not-in-the-plan"}, "evac.endpoint"),
        ({"instances": 9}, "evac.instances"),
    ],
)
def test_a_payload_exported_from_another_plan_is_refused_and_touches_nothing(
    cloud: Cloud, evac: dict[str, Any], field: str
) -> None:
    event = arc_event("scale-endpoint", endpoint=XGB)
    event["evac"] |= evac

    with pytest.raises(InvalidInputError, match=field):
        cloud.invoke(arc_action, event)

    assert cloud.endpoint()["ProductionVariants"][0]["DesiredInstanceCount"] == 1
    assert progress() is None


def test_arc_metadata_is_tolerated_and_the_execution_id_is_required(cloud: Cloud) -> None:
    tolerated = {**exported(cloud, "preflight"), "SomethingArcAddsLater": {"x": 1}}
    cloud.invoke(arc_action, tolerated)

    without = {k: v for k, v in exported(cloud, "preflight").items() if k != "ExecutionId"}
    with pytest.raises(InvalidInputError, match="ExecutionId"):
        cloud.invoke(arc_action, without)
