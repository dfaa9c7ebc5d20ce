"""ARC Region switch's custom action recovering the plan's resources ARC has no block for, on moto with the
rag-assistant application seeded (serving from us-east-1, this stack in us-west-2 activated): its DynamoDB global
table's replica, being rebuilt, and its nightly re-indexing schedule, ENABLED in the primary only. Each step is
invoked with the payload ``evac plan export --arc`` writes and ARC's metadata, retried as ARC retries a custom action
until it stops raising."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.errors import InvalidInputError, StepPendingError
from evac.handlers import arc_action
from evacops.arc.export import Target, create_plan_request
from tests.functional.conftest import TABLE
from tests.functional.handlers.test_recover_resources_handler import SCHEDULES, plan, rag, schedule

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud

__all__ = ["plan", "rag"]  # the rag-assistant plan and its seeded account, as the RecoverResources tests use them

SESSIONS = "rag-assistant-sessions"
METADATA = {
    "InvokedBy": "arc-region-switch",
    "PlanArn": "arn:aws:arc-region-switch::123456789012:plan/rag-assistant:abc123",
    "ExecutionId": "f00dfeed1234",
}


def exported(cloud: Cloud, step_name: str) -> dict[str, Any]:
    """The event ARC sends for one step of the promote stage of the exported plan's us-west-2 workflow."""
    request = create_plan_request(cloud.plan, Target(account="123456789012", stack_name="evac-rag-assistant"))
    workflow = next(w for w in request["workflows"] if w["workflowTargetRegion"] == "us-west-2")
    promote = next(s for s in workflow["steps"] if s["name"] == "promote")
    found = next(s for s in promote["executionBlockConfiguration"]["parallelConfig"]["steps"] if s["name"] == step_name)
    lambdas = found["executionBlockConfiguration"]["customActionLambdaConfig"]["lambdas"]
    payload = next(json.loads(f["payload"]) for f in lambdas if ":us-west-2:" in f["arn"])
    return {**payload, **METADATA, "StepName": step_name}


def replica_status(region: str = "us-west-2") -> str:
    return str(boto3.client("dynamodb", region).describe_table(TableName=SESSIONS)["Table"]["TableStatus"])


def test_a_global_tables_step_is_pending_until_the_target_replica_is_active(rag: Cloud) -> None:
    event = exported(rag, f"replica-{SESSIONS}")
    primary = boto3.client("dynamodb", "us-east-1")  # the replica in us-west-2 rebuilt: CREATING for minutes
    primary.update_table(TableName=SESSIONS, ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    primary.update_table(TableName=SESSIONS, ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    assert replica_status() == "CREATING"

    with pytest.raises(StepPendingError, match=f"{SESSIONS} in us-west-2: not done yet"):
        rag.invoke(arc_action, event)
    rag.wait(60)
    with pytest.raises(StepPendingError):  # ARC's retry a minute later: still CREATING
        rag.invoke(arc_action, event)
    rag.wait(rag.latencies.dynamodb_replica)
    poll = rag.invoke(arc_action, event)

    assert (poll["done"], poll["detail"]["status"], replica_status()) == (True, "ACTIVE", "ACTIVE")
    assert rag.invoke(arc_action, event)["done"] is True  # a retry after success: done, nothing else


def test_a_schedules_step_enables_it_here_disables_it_in_the_source_and_is_idempotent(rag: Cloud) -> None:
    event = exported(rag, "enable-rag-assistant-reindex")
    assert (schedule("us-east-1"), schedule("us-west-2")) == ("ENABLED", "DISABLED")

    with pytest.raises(StepPendingError):  # the source's disable is confirmed by the next look
        rag.invoke(arc_action, event)
    assert (schedule("us-east-1"), schedule("us-west-2")) == ("DISABLED", "ENABLED")
    rag.wait(60)
    poll = rag.invoke(arc_action, event)

    assert (poll["done"], poll["detail"]["state"]) == (True, "ENABLED")
    again = rag.invoke(arc_action, event)
    assert (again["done"], again["attempt"]) == (True, poll["attempt"])  # done: not looked at again
    assert (schedule("us-east-1"), schedule("us-west-2")) == ("DISABLED", "ENABLED")
    progress = boto3.client("dynamodb", "us-west-2").get_item(
        TableName=TABLE, Key={"pk": {"S": f"arc#arc-{METADATA['ExecutionId']}"}}
    )["Item"]
    assert json.loads(progress["resource:rag-assistant-reindex"]["S"])["done"] is True


def test_a_schedule_turned_off_again_before_the_retry_is_enabled_again(rag: Cloud) -> None:
    event = exported(rag, "enable-rag-assistant-reindex")
    with pytest.raises(StepPendingError):
        rag.invoke(arc_action, event)
    boto3.client("scheduler", "us-west-2").update_schedule(
        **{
            k: v
            for k, v in boto3.client("scheduler", "us-west-2")
            .get_schedule(Name=SCHEDULES["us-west-2"], GroupName="rag-assistant")
            .items()
            if k in ("Name", "GroupName", "ScheduleExpression", "FlexibleTimeWindow", "Target")
        },
        State="DISABLED",
    )
    rag.wait(60)

    with pytest.raises(StepPendingError):  # seen off: enabled again, done at the next look
        rag.invoke(arc_action, event)
    rag.wait(60)

    assert rag.invoke(arc_action, event)["done"] is True
    assert schedule("us-west-2") == "ENABLED"


def test_a_resource_arcs_own_block_recovers_is_refused_and_nothing_is_touched(rag: Cloud) -> None:
    event = exported(rag, "enable-rag-assistant-reindex")
    event["evac"]["resource"] = "rag-assistant-api"

    with pytest.raises(InvalidInputError, match="is of kind ecs-service"):
        rag.invoke(arc_action, event)

    assert (schedule("us-east-1"), schedule("us-west-2")) == ("ENABLED", "DISABLED")
