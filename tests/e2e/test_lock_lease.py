"""The runbook's lock has a lease: a lock left by a run that is over (its release lost or denied) is taken over by
the next incident once it expired, and holds until then (issue 12, g)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.aws.dynamodb import lock_key
from evacops.drill.scenarios import EVENTS

if TYPE_CHECKING:
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e
REGION = "us-west-2"


def left_lock(cloud: LocalCloud, expires_at: str) -> None:
    """The lock an earlier incident's run took and never released."""
    boto3.client("dynamodb", REGION).put_item(
        TableName=cloud.stacks[REGION].table,
        Item={
            "pk": {"S": lock_key(cloud.plan.application)},
            "incident_id": {"S": "an-earlier-incident"},
            "acquired_at": {"S": "2000-01-01T00:00:00Z"},
            "expires_at": {"S": expires_at},
        },
    )


def run(cloud: LocalCloud) -> dict[str, Any]:
    request = json.loads((EVENTS / "drill-unplanned.json").read_text(encoding="utf-8"))
    sfn = boto3.client("stepfunctions", REGION)
    arn = sfn.start_execution(stateMachineArn=cloud.stacks[REGION].runbook_arn, name="next", input=json.dumps(request))
    cloud.quiesce()
    return dict(sfn.describe_execution(executionArn=arn["executionArn"]))


def test_a_lock_whose_lease_expired_is_taken_over_and_the_failover_completes(cloud: LocalCloud) -> None:
    left_lock(cloud, expires_at="2000-01-01T06:00:00Z")

    execution = run(cloud)

    assert execution["status"] == "SUCCEEDED"
    assert cloud.writer_region() == cloud.dns_region() == REGION


def test_a_lock_within_its_lease_holds_and_nothing_changes(cloud: LocalCloud) -> None:
    left_lock(cloud, expires_at="2999-01-01T00:00:00Z")

    execution = run(cloud)

    assert (execution["status"], execution["error"]) == ("FAILED", "DynamoDB.ConditionalCheckFailedException")
    assert cloud.writer_region() == cloud.dns_region() == "us-east-1"
