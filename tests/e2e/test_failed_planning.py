"""A run that fails before it knows its application (the plan step refused the request) still ends as it should:
recorded, notified, failed with the plan step's named error - not with the uncatchable ``States.Runtime`` Step
Functions raises when the failure path formats a field the plan step never wrote (issue 12, d)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3
import pytest

from evac.aws.dynamodb import Ledger
from evacops.drill.scenarios import EVENTS

if TYPE_CHECKING:
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e
REGION = "us-west-2"


def test_a_run_refused_by_the_plan_step_fails_with_its_error_recorded_and_notified(cloud: LocalCloud) -> None:
    # GIVEN a request for a region the plan does not have: the plan step refuses it, no application is known
    request = json.loads((EVENTS / "drill-unplanned.json").read_text(encoding="utf-8"))
    request["target_region"] = "eu-north-9"
    sfn = boto3.client("stepfunctions", REGION)
    runbook = cloud.stacks[REGION].runbook_arn

    # WHEN the runbook runs
    arn = sfn.start_execution(stateMachineArn=runbook, name="bad-region", input=json.dumps(request))
    cloud.quiesce()

    # THEN it fails with the plan step's error, recorded and notified
    execution = sfn.describe_execution(executionArn=arn["executionArn"])
    assert (execution["status"], execution.get("error")) == ("FAILED", "PlanError")
    record = Ledger(cloud.stacks[REGION].table, REGION).get("bad-region")
    assert record is not None
    assert (record["outcome"], record["error"]) == ("FAILED", "PlanError")
    assert any("bad-region" in message and "PlanError" in message for message in cloud.notifications(REGION))
