"""Step Functions' service-side checks that moto 5.2.5 lacks, one extension at a time on plain moto."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evacops.localcloud.fidelity import PAYLOAD_LIMIT, ExecutionHistoryLimit, TerminalErrors
from evacops.localcloud.fidelity import stepfunctions as stepfunctions_fidelity

if TYPE_CHECKING:
    from contextlib import ExitStack

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/runbook"


def run(definition: dict[str, Any], execution_input: dict[str, Any]) -> dict[str, Any]:
    """Create ``definition``, run it with ``execution_input`` and return the finished execution."""
    sfn = boto3.client("stepfunctions", REGION)
    machine = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(execution_input))["executionArn"]
    deadline = time.monotonic() + 30
    while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the execution did not finish"
        time.sleep(0.02)
    return dict(execution)


def delete_lock_of(path: str) -> dict[str, Any]:
    """A DynamoDB task whose key is formatted from ``path``, with a ``Catch`` on ``States.ALL``."""
    boto3.client("dynamodb", REGION).create_table(
        TableName="runs",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return {
        "StartAt": "Release",
        "States": {
            "Release": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:deleteItem",
                "Parameters": {"TableName": "runs", "Key": {"pk": {"S.$": f"States.Format('lock#{{}}', {path})"}}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }


def test_an_unresolved_path_fails_the_execution_with_states_runtime_past_a_catch_all(stack: ExitStack) -> None:
    TerminalErrors().install(stack)

    execution = run(delete_lock_of("$.run.application"), {"error": {"Error": "PlanError"}})

    assert (execution["status"], execution["error"]) == ("FAILED", "States.Runtime")
    assert "$.run.application" in execution["cause"]


def test_a_resolved_path_runs_the_task(stack: ExitStack) -> None:
    TerminalErrors().install(stack)

    execution = run(delete_lock_of("$.run.application"), {"run": {"application": "fraud-scoring"}})

    assert execution["status"] == "SUCCEEDED"


@pytest.mark.usefixtures("aws")
def test_plain_moto_lets_a_catch_all_handle_an_unresolved_path() -> None:
    """The gap the extension closes (if moto starts failing this, the extension may go)."""
    execution = run(delete_lock_of("$.run.application"), {})

    assert execution["status"] == "SUCCEEDED"


def read_item_of(size: int) -> dict[str, Any]:
    """A DynamoDB task that reads an item of ``size`` bytes, with a ``Catch`` on ``States.ALL``."""
    dynamodb = boto3.client("dynamodb", REGION)
    dynamodb.create_table(
        TableName="runs",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="runs", Item={"pk": {"S": "report"}, "body": {"S": "x" * size}})
    return {
        "StartAt": "Read",
        "States": {
            "Read": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "runs", "Key": {"pk": {"S": "report"}}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }


def test_a_task_result_over_the_payload_quota_fails_the_execution_past_a_catch_all(stack: ExitStack) -> None:
    TerminalErrors().install(stack)

    execution = run(read_item_of(PAYLOAD_LIMIT + 1024), {})

    assert (execution["status"], execution.get("error")) == ("FAILED", "States.DataLimitExceeded")
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in history(execution["executionArn"])
        if "stateEnteredEventDetails" in e
    ]
    assert entered == ["Read"]


def test_a_task_result_within_the_payload_quota_runs_on(stack: ExitStack) -> None:
    TerminalErrors().install(stack)

    execution = run(read_item_of(PAYLOAD_LIMIT // 2), {})

    assert execution["status"] == "SUCCEEDED"


@pytest.mark.usefixtures("aws")
def test_plain_moto_lets_a_catch_all_handle_a_task_result_over_the_payload_quota() -> None:
    """The gap the extension closes (if moto starts failing this, the extension may go)."""
    execution = run(read_item_of(PAYLOAD_LIMIT + 1024), {})

    assert execution["status"] == "SUCCEEDED"


def history(arn: str) -> list[dict[str, Any]]:
    return list(boto3.client("stepfunctions", REGION).get_execution_history(executionArn=arn)["events"])


# A loop that never ends (a poll that never sees its resource ready) inside a Parallel whose Catch takes every error.
POLL_FOREVER: dict[str, Any] = {
    "StartAt": "Await",
    "States": {
        "Await": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "Poll", "States": {"Poll": {"Type": "Pass", "Next": "Poll"}}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": True,
        },
        "Caught": {"Type": "Pass", "End": True},
    },
}


def test_an_execution_fails_uncaught_when_its_history_reaches_the_limit(
    stack: ExitStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stepfunctions_fidelity, "HISTORY_LIMIT", 60)
    ExecutionHistoryLimit().install(stack)

    execution = run(POLL_FOREVER, {})

    assert (execution["status"], execution["error"]) == ("FAILED", "States.Runtime")
    assert "maximum execution history size of 60 events" in execution["cause"]
    events = history(execution["executionArn"])
    assert events[-1]["type"] == "ExecutionFailed"
    assert len(events) <= 60 + 3  # what was in flight at the limit, then the failure
    assert not any(e.get("stateEnteredEventDetails", {}).get("name") == "Caught" for e in events)


def test_an_execution_under_the_limit_runs_to_its_end(stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stepfunctions_fidelity, "HISTORY_LIMIT", 60)
    ExecutionHistoryLimit().install(stack)
    loop = {
        "StartAt": "Count",
        "States": {
            "Count": {"Type": "Pass", "Result": 1, "ResultPath": "$.n", "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }

    execution = run(loop, {})

    assert execution["status"] == "SUCCEEDED"
