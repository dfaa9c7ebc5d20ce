"""The recovery plan as an ARC Region switch ``CreatePlan`` request: one ``activate`` workflow per region.

Each workflow is: an optional execution approval, evac's readiness preflight, then the promote stage (a ``Parallel``
block of every kind's steps: the Aurora global database, each SageMaker endpoint), the traffic shift (a Route 53 health
check or ARC routing control block, per ``dns.mechanism``), evac's canary verification, and evac's run record.
Where ARC has a block, the export uses it; what ARC has no block for (SageMaker capacity with its fallback instance
types, readiness, the canary, the record, moving record weights) is a ``CustomActionLambda`` step invoking evac's
custom-action function (``ArcActionFunction``, ``evac.handlers.arc_action``) in the stack of the activating region,
with the evac step to run named in its payload.

A kind maps through one function (``PROMOTE_KINDS``, ``DNS_MECHANISMS``): a new kind is one entry.

Request shape: https://docs.aws.amazon.com/arc-region-switch/latest/api/API_CreatePlan.html; execution blocks:
https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ExecutionBlockConfiguration.html.

Example::

    request = create_plan_request(load_plan(DEFAULT_PLAN), Target(account="111122223333", stack_name="evac-app"))
    request["workflows"][0]["workflowTargetRegion"]  # -> "us-east-1"
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evac.domain.plan_resources import AutoScalingGroup, CustomAction
from evac.domain.runbook import predicted_rto
from evac.errors import PlanError

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan

Step = dict[str, Any]
# ARC retries a custom action that failed at this interval until its timeout: evac's functions raise until done.
RETRY_MINUTES = 1.0
ACTION_FUNCTION = "ArcActionFunction"  # the stack's one entry point for ARC: evac.handlers.arc_action
PLACEHOLDER_ACCOUNT = "111122223333"  # AWS's documentation account: a request that names it is a template
# An Auto Scaling group's ARN holds an id AWS assigns at creation: substitute it (``aws autoscaling
# describe-auto-scaling-groups --query 'AutoScalingGroups[0].AutoScalingGroupARN'``) before creating the plan.
PLACEHOLDER_GROUP_ID = "00000000-0000-0000-0000-000000000000"


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


# --- The promote stage: one mapper per kind ------------------------------------------------------------------------


def aurora_global_database(act: Activation) -> list[Step]:
    """Switchover (RPO 0) when the run is graceful, failover with data loss when ungraceful, as evac does."""
    database = act.plan.database
    config = {
        "behavior": "switchoverOnly",
        "ungraceful": {"ungraceful": "failover"},
        "globalClusterIdentifier": database.global_cluster,
        "databaseClusterArns": [act.target.cluster_arn(r, database.clusters[r]) for r in act.plan.regions.both],
        "timeoutMinutes": minutes(act.plan.expectations.database_promotion_seconds * 1.5),
    }
    return [
        step(
            f"promote-{database.global_cluster}",
            f"Aurora global database: {database.clusters[act.region]} becomes the writer",
            "AuroraGlobalDatabase",
            "globalAuroraConfig",
            config,
        )
    ]


def sagemaker_endpoints(act: Activation) -> list[Step]:
    """ARC has no SageMaker block: evac raises each endpoint's capacity, waits for InService and falls back to the
    plan's other instance types when the region has none of the first."""
    expected = act.plan.expectations.endpoint_scale_up_seconds
    return [
        evac_action(
            act,
            f"capacity-{endpoint.name}",
            f"SageMaker {endpoint.name}: {endpoint.active_instances} InService on "
            f"{' or '.join(endpoint.instance_types)}",
            evac_step="scale-endpoint",
            timeout_minutes=minutes(expected),
            endpoint=endpoint.name,
            instances=endpoint.active_instances,
        )
        for endpoint in act.plan.inference.endpoints
    ]


def autoscaling_groups(act: Activation) -> list[Step]:
    """ARC's EC2 Auto Scaling block raises the activating region's group to ``targetPercent`` of the deactivating
    region's capacity (its 24-hour maximum); evac raises it to the plan's ``active_capacity``, whatever the source
    ran. Both wait for healthy targets when asked to."""
    groups = [r for r in act.plan.resources if isinstance(r, AutoScalingGroup)]
    return [
        step(
            f"capacity-{group.name}",
            f"EC2 Auto Scaling {group.groups[act.region]}: the source's capacity, healthy in its target groups",
            "EC2AutoScaling",
            "ec2AsgCapacityIncreaseConfig",
            {
                "asgs": [{"arn": act.target.group_arn(r, group.groups[r])} for r in act.plan.regions.both],
                "targetPercent": 100,
                "waitELBTargetGroupHealthy": "enabled" if group.wait_healthy_targets else "disabled",
                "timeoutMinutes": minutes(group.expected_seconds),
            },
        )
        for group in groups
    ]


def custom_actions(act: Activation) -> list[Step]:
    """A custom resource is ARC's own custom action: the application's function in the activating region, retried
    until it succeeds or times out; ``ungraceful: skip`` is ARC's ungraceful ``skip``."""
    actions = [r for r in act.plan.resources if isinstance(r, CustomAction)]
    steps = []
    for action in actions:
        config: dict[str, Any] = {
            "lambdas": [
                {"arn": act.target.application_function_arn(r, action.functions[r])} for r in act.plan.regions.both
            ],
            "regionToRun": "activatingRegion",
            "retryIntervalMinutes": RETRY_MINUTES,
            "timeoutMinutes": minutes(action.timeout_seconds, margin=1.0),
        }
        if action.ungraceful == "skip":
            config["ungraceful"] = {"behavior": "skip"}
        steps.append(
            step(
                f"custom-{action.name}",
                f"The application's function {action.functions[act.region]}",
                "CustomActionLambda",
                "customActionLambdaConfig",
                config,
            )
        )
    return steps


PROMOTE_KINDS: dict[str, Callable[[Activation], list[Step]]] = {
    "aurora-global-database": aurora_global_database,
    "sagemaker-endpoint": sagemaker_endpoints,
    "autoscaling-group": autoscaling_groups,
    "custom": custom_actions,
}


# --- The traffic shift: one mapper per dns.mechanism ---------------------------------------------------------------


def route53_health_check(act: Activation) -> list[Step]:
    """ARC creates a health check per record set and turns them as the plan activates a region; attach those health
    checks to the record sets in place of evac's drain switches."""
    dns = act.plan.dns
    config = {
        "hostedZoneId": act.target.hosted_zone_id,
        "recordName": dns.record_name,
        "recordSets": [{"recordSetIdentifier": dns.set_identifiers[r], "region": r} for r in act.plan.regions.both],
        "timeoutMinutes": minutes(act.plan.expectations.dns_propagation_seconds),
    }
    return [
        step(
            "shift-traffic",
            f"Route 53: {dns.record_name} answers {act.region}",
            "Route53HealthCheck",
            "route53HealthCheckConfig",
            config,
        )
    ]


def arc_routing_control(act: Activation) -> list[Step]:
    """The plan's routing controls: the activating region's On, its peer's Off."""
    routing = act.plan.dns.routing_control
    if routing is None:  # the plan's own validation requires it for this mechanism
        raise PlanError("dns.routing_control: required when dns.mechanism is routing-control")
    states = {act.region: "On", act.peer: "Off"}
    config = {
        "regionAndRoutingControls": {
            region: [{"routingControlArn": routing.controls[region], "state": state}]
            for region, state in states.items()
        },
        "timeoutMinutes": minutes(act.plan.expectations.dns_propagation_seconds),
    }
    return [
        step(
            "shift-traffic",
            f"ARC routing control: {act.region} On, {act.peer} Off",
            "ARCRoutingControl",
            "arcRoutingControlConfig",
            config,
        )
    ]


def record_weights(act: Activation) -> list[Step]:
    """ARC has no block for weighted records: evac moves the weights, as much as InService capacity can take."""
    dns = act.plan.dns
    return [
        evac_action(
            act,
            "shift-traffic",
            f"Route 53: {dns.record_name} weights to {act.region}",
            evac_step="shift-dns",
            timeout_minutes=minutes(act.plan.expectations.dns_propagation_seconds),
            record=dns.record_name,
        )
    ]


DNS_MECHANISMS: dict[str, Callable[[Activation], list[Step]]] = {
    "health-check-switch": route53_health_check,
    "routing-control": arc_routing_control,
    "record-weights": record_weights,
}


# --- The request -----------------------------------------------------------------------------------------------------


def approval(act: Activation) -> list[Step]:
    if act.target.approval_role_arn is None:
        return []
    config = {
        "approvalRole": act.target.approval_role_arn,
        "timeoutMinutes": minutes(act.plan.approval_timeout_seconds, margin=1.0),
    }
    return [
        step(
            "approve", f"A person approves activating {act.region}", "ManualApproval", "executionApprovalConfig", config
        )
    ]


def workflow(plan: RecoveryPlan, target: Target, region: str) -> dict[str, Any]:
    """The steps that make ``region`` the active one."""
    act = Activation(plan, target, region)
    promote = [s for mapper in PROMOTE_KINDS.values() for s in mapper(act)]
    steps = [
        *approval(act),
        evac_action(
            act,
            "preflight",
            f"evac readiness: {region} can be promoted and serve the model",
            evac_step="preflight",
            timeout_minutes=2,
        ),
        step("promote", "Every resource of the plan, at once", "Parallel", "parallelConfig", {"steps": promote}),
        *DNS_MECHANISMS[plan.dns.mechanism](act),
        evac_action(
            act,
            "verify",
            f"evac verification: writer, capacity and a canary per endpoint in {region}",
            evac_step="verify",
            timeout_minutes=minutes(plan.expectations.dns_propagation_seconds),
        ),
        evac_action(
            act,
            "record",
            "evac's run record: phases, RTO, RPO",
            evac_step="record",
            timeout_minutes=1,
        ),
    ]
    return {
        "workflowTargetAction": "activate",
        "workflowTargetRegion": region,
        "workflowDescription": f"Make {region} the active region of {plan.application}",
        "steps": steps,
    }


def create_plan_request(plan: RecoveryPlan, target: Target) -> dict[str, Any]:
    """The ``CreatePlan`` request for ``plan`` (active/passive, one activate workflow per region)."""
    primary = plan.regions.primary
    return {
        "name": plan.application,
        "description": f"{plan.application}, exported from evac's recovery plan",
        "executionRole": target.execution_role(primary),
        "recoveryApproach": "activePassive",
        "regions": list(plan.regions.both),
        "primaryRegion": primary,
        "recoveryTimeObjectiveMinutes": minutes(predicted_rto(plan, "failover", from_alarm=False), margin=1.0),
        "workflows": [workflow(plan, target, region) for region in plan.regions.both],
        "tags": {"evac:application": plan.application},
    }
