"""Readiness on demand: the deployed readiness function (``ReadinessFunction``), asked through Lambda, on the local
cloud or in AWS.

Both paths invoke the same function the schedule runs every 15 minutes (``ReadinessFunction`` in template.yaml), so
what ``evac readiness`` prints is what the alarm sees::

    report = on_local_cloud(plan)                               # a local cloud of the plan, seeded ready
    report = on_aws("evac-fraud-scoring", region="us-west-2")   # a deployed stack
    report.ready, [c.summary() for c in report.findings]
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from evac.domain.models import Readiness
from evac.errors import EvacError
from evacops.cloud import local_cloud
from evacops.stack.runbook import stack_output

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud import LocalCloud

FUNCTION = "ReadinessFunction"  # its logical id in template.yaml
OUTPUT = "ReadinessFunctionName"  # the stack output naming it
# The function may take up to its 60 s timeout; botocore's default read timeout would give up first.
_INVOKE = Config(read_timeout=90, retries={"mode": "standard", "max_attempts": 2})


class ReadinessUnavailableError(EvacError):
    """The readiness function failed instead of answering with a report."""


def invoke(lambda_client: Any, function: str, *, target_region: str | None = None) -> Readiness:
    """Invoke the readiness function and validate its report."""
    payload = {"target_region": target_region} if target_region else {}
    response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(payload).encode())
    body = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError") or not isinstance(body, dict):
        detail = f"{body.get('errorType')}: {body.get('errorMessage')}" if isinstance(body, dict) else body
        raise ReadinessUnavailableError(f"{function} failed: {detail}")
    return Readiness.model_validate(body)


def on_local_cloud(
    plan: RecoveryPlan,
    *,
    region: str | None = None,
    target_region: str | None = None,
    prepare: Callable[[LocalCloud], None] | None = None,
) -> Readiness:
    """Seed a local cloud from the plan and ask the readiness function of ``region``'s stack (default: the
    secondary's); ``prepare`` changes the cloud first (tests break things with it)."""
    with local_cloud(plan) as cloud:
        region = region or cloud.plan.regions.secondary
        if prepare:
            prepare(cloud)
        function = cloud.stacks[region].function_arns[FUNCTION]
        return invoke(boto3.client("lambda", region), function, target_region=target_region)


def on_aws(stack_name: str, *, region: str, target_region: str | None = None) -> Readiness:
    """Ask the readiness function of the deployed stack ``stack_name`` in ``region`` (named by its stack output)."""
    function = stack_output(stack_name, region, OUTPUT)
    client = boto3.client("lambda", region_name=region, config=_INVOKE)
    return invoke(client, function, target_region=target_region)
