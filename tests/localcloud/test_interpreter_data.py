"""The interpreter's JSONPaths parsed once and its data copied as JSON (interpreter.JsonData): an execution's states
still each see their own copy of the data, as states that pass JSON text to each other do."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import boto3

from evacops.localcloud.interpreter import JsonData, json_copy

if TYPE_CHECKING:
    from contextlib import ExitStack

_ROLE = "arn:aws:iam::123456789012:role/states"
# The same value read into two places, then one of them changed: the other must keep what it was given.
_ALIASES = {
    "StartAt": "Twice",
    "States": {
        "Twice": {"Type": "Pass", "Parameters": {"x.$": "$.v", "y.$": "$.v"}, "Next": "ChangeX"},
        "ChangeX": {"Type": "Pass", "Result": "changed", "ResultPath": "$.x.k", "Next": "Pick"},
        "Pick": {"Type": "Pass", "Parameters": {"x.$": "$.x", "y.$": "$.y", "first.$": "$.y.list[0]"}, "End": True},
    },
}


def test_a_json_copy_is_equal_and_shares_nothing_and_other_values_are_deep_copied() -> None:
    shared = {"k": [1, 2.5, None, True, "s"]}
    data = {"a": shared, "b": [shared, {"c": "d"}], "when": datetime(2026, 1, 1, tzinfo=UTC), "t": ([1],)}
    copied = json_copy(data)
    assert copied == copy.deepcopy(data) == data
    copied["a"]["k"].append("new")
    copied["t"][0].append(2)  # a tuple is not JSON: deep-copied as deepcopy would
    assert data["a"] == {"k": [1, 2.5, None, True, "s"]}
    assert data["t"] == ([1],)
    assert copied["b"][0] is not copied["a"]  # a JSON value is a tree: two places, two values


def test_a_value_read_into_two_places_is_two_values_in_an_execution(stack: ExitStack) -> None:
    JsonData().install(stack)
    sfn = boto3.client("stepfunctions", "us-east-1")
    machine = sfn.create_state_machine(name="aliases", definition=json.dumps(_ALIASES), roleArn=_ROLE)
    started = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps({"v": {"list": [1, 2], "k": "kept"}})
    )
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=started["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {
        "x": {"list": [1, 2], "k": "changed"},
        "y": {"list": [1, 2], "k": "kept"},
        "first": 1,
    }
