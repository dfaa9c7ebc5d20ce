"""What every exported step is made of: where the plan points (``Target``), the workflow being built
(``Activation``), ARC's step and timeout conventions, and the custom action that runs one of evac's own steps.

ARC Region switch's step: https://docs.aws.amazon.com/arc-region-switch/latest/api/API_Step.html.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

Step = dict[str, Any]
# ARC retries a custom action that failed at this interval until its timeout: evac's functions raise until done.
RETRY_MINUTES = 1.0
ACTION_FUNCTION = "ArcActionFunction"  # the stack's one entry point for ARC: evac.handlers.arc_action
PLACEHOLDER_ACCOUNT = "111122223333"  # AWS's documentation account: a request that names it is a template
# An Auto Scaling group's ARN holds an id AWS assigns at creation: substitute it (``aws autoscaling
# describe-auto-scaling-groups --query 'AutoScalingGroups[0].AutoScalingGroupARN'``) before creating the plan.
PLACEHOLDER_GROUP_ID = "00000000-0000-0000-0000-000000000000"
MAPPING_TIMEOUT_MINUTES = 2  # an event source mapping turns (Enabling, Disabling) in seconds
# A resource evac's custom action recovers: a schedule turns at once, a replica UPDATING becomes ACTIVE within minutes;
# a few of ARC's retries (RETRY_MINUTES) either way.
RESOURCE_TIMEOUT_MINUTES = 5


@dataclass(frozen=True)
class Target:
    """Where the exported plan points: the account and the name of evac's stack (the same in both regions)."""

    account: str
    stack_name: str
    execution_role_arn: str | None = None  # default: the role ``execution_role()`` names
    approval_role_arn: str | None = None  # an approval step first, approved by this role; None: no approval step
    hosted_zone_id: str = "Z0000000000000000000"  # the plan names the zone, ARC's block takes its id

    def partition(self, region: str) -> str:
        return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"

    def execution_role(self, region: str) -> str:
        return self.execution_role_arn or f"arn:{self.partition(region)}:iam::{self.account}:role/{self.stack_name}-arc"

    def function_arn(self, region: str, logical_id: str) -> str:
        """evac's function in the stack in ``region``. CloudFormation appends a random suffix to generated names:
        substitute the physical name (``aws cloudformation describe-stack-resource``) before creating the plan."""
        return f"arn:{self.partition(region)}:lambda:{region}:{self.account}:function:{self.stack_name}-{logical_id}"

    def cluster_arn(self, region: str, cluster: str) -> str:
        return f"arn:{self.partition(region)}:rds:{region}:{self.account}:cluster:{cluster}"

    def group_arn(self, region: str, group: str) -> str:
        group_id = f"autoScalingGroup:{PLACEHOLDER_GROUP_ID}:autoScalingGroupName/{group}"
        return f"arn:{self.partition(region)}:autoscaling:{region}:{self.account}:{group_id}"

    def application_function_arn(self, region: str, name: str) -> str:
        return f"arn:{self.partition(region)}:lambda:{region}:{self.account}:function:{name}"

    def ecs_cluster_arn(self, region: str, cluster: str) -> str:
        return f"arn:{self.partition(region)}:ecs:{region}:{self.account}:cluster/{cluster}"

    def ecs_service_arn(self, region: str, cluster: str, service: str) -> str:
        """The long ARN format, the one with the cluster's name in it (ARC's model requires it)."""
        return f"arn:{self.partition(region)}:ecs:{region}:{self.account}:service/{cluster}/{service}"

    def mapping_arn(self, region: str, uuid: str) -> str:
        """An event source mapping's ARN: its UUID, which the plan already names (AWS assigned it at creation)."""
        return f"arn:{self.partition(region)}:lambda:{region}:{self.account}:event-source-mapping:{uuid}"


@dataclass(frozen=True)
class Activation:
    """One workflow's context: the plan, the region it activates, and where things live."""

    plan: RecoveryPlan
    target: Target
    region: str

    @property
    def peer(self) -> str:
        return self.plan.peer(self.region)


def minutes(seconds: float, *, margin: float = 2.0) -> int:
    """An ARC timeout from one of the plan's expectations: ``margin`` times it, in whole minutes (at least 1)."""
    return max(1, math.ceil(seconds * margin / 60))


def step(name: str, description: str, block_type: str, key: str, config: dict[str, Any]) -> Step:
    return {
        "name": name,
        "description": description,
        "executionBlockType": block_type,
        "executionBlockConfiguration": {key: config},
    }


def evac_action(
    act: Activation, name: str, description: str, *, evac_step: str, timeout_minutes: int, **payload: Any
) -> Step:
    """A ``CustomActionLambda`` step running ``evac_step`` in the activating region's stack (ARC takes one function
    per region and runs the one in ``regionToRun``); ARC merges its execution metadata into the payload."""
    body = {"evac": {"step": evac_step, "application": act.plan.application, **payload}}
    lambdas = [
        {"arn": act.target.function_arn(region, ACTION_FUNCTION), "payload": json.dumps(body, separators=(",", ":"))}
        for region in act.plan.regions.both
    ]
    config = {
        "lambdas": lambdas,
        "regionToRun": "activatingRegion",
        "retryIntervalMinutes": RETRY_MINUTES,
        "timeoutMinutes": timeout_minutes,
    }
    return step(name, description, "CustomActionLambda", "customActionLambdaConfig", config)
