"""A deployed stack's runbook, started with a drill input and followed through boto3 alone; the stack's outputs."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import RunbookInput


def runbook_arn(stack_name: str, region: str) -> str:
    """The stack's FailoverRunbookArn output."""
    return stack_output(stack_name, region, "FailoverRunbookArn")


def stack_output(stack_name: str, region: str, key: str) -> str:
    """One output of the deployed stack; LookupError if it has none by that name."""
    stacks = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if key not in outputs:
        raise LookupError(f"stack {stack_name} in {region} has no {key} output: is it an evac stack, and current?")
    return outputs[key]


def run(
    arn: str,
    request: RunbookInput,
    *,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    poll_seconds: float = 5.0,
) -> dict[str, Any]:
    """Start the runbook named after the request's incident and follow it to its end; returns its description."""
    sfn = boto3.client("stepfunctions", region_name=arn.split(":")[3])
    started = sfn.start_execution(
        stateMachineArn=arn,
        name=request.incident_id,
        input=json.dumps(request.model_dump(mode="json", exclude_none=True)),
    )
    seen = 0
    while True:
        described = sfn.describe_execution(executionArn=started["executionArn"])
        if on_event:
            events = sfn.get_execution_history(executionArn=started["executionArn"], maxResults=1000)["events"]
            for event in events[seen:]:
                on_event(dict(event))
            seen = len(events)
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(poll_seconds)
