"""The recovery plan as an ARC Region switch ``CreatePlan`` request: one ``activate`` workflow per region.

Each workflow is: an optional execution approval, evac's readiness preflight, the source's stream consumers
disabled (one ``LambdaEventSourceMapping`` block each, skipped when ungraceful), then the promote stage (a ``Parallel``
block of every kind's steps: the Aurora global database, each SageMaker endpoint, ECS service, Auto Scaling group,
consumer enabled, DynamoDB global table, schedule, EventBridge rule and custom function), the traffic shift (a Route
53 health check or ARC routing control block, per ``dns.mechanism``), evac's canary verification, and evac's run
record. Where ARC has a block, the export uses it; what ARC has no block for (SageMaker capacity with its fallback
instance types, a global table's replica, a schedule, a rule, readiness, the canary, the record, moving record
weights) is a ``CustomActionLambda`` step invoking evac's custom-action function (``ArcActionFunction``,
``evac.handlers.arc_action``) in the stack of the activating region, with the evac step to run named in its payload.

A kind maps through one function (``PROMOTE_KINDS``, ``DNS_MECHANISMS``): a new kind is one entry.

Request shape: https://docs.aws.amazon.com/arc-region-switch/latest/api/API_CreatePlan.html; execution blocks:
https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ExecutionBlockConfiguration.html.

Example::

    request = create_plan_request(load_plan(DEFAULT_PLAN), Target(account="111122223333", stack_name="evac-app"))
    request["workflows"][0]["workflowTargetRegion"]  # -> "us-east-1"
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac.domain.runbook import predicted_rto
from evac.errors import PlanError
from evacops.arc.blocks import (
    ACTION_FUNCTION,
    PLACEHOLDER_ACCOUNT,
    Activation,
    Target,
    evac_action,
    minutes,
    step,
)
from evacops.arc.resources import (
    autoscaling_groups,
    consumers_disabled,
    consumers_enabled,
    custom_actions,
    ecs_services,
    global_tables,
    rules,
    schedules,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evacops.arc.blocks import Step

__all__ = ["ACTION_FUNCTION", "PLACEHOLDER_ACCOUNT", "PROMOTE_KINDS", "Target", "create_plan_request"]

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


PROMOTE_KINDS: dict[str, Callable[[Activation], list[Step]]] = {
    "aurora-global-database": aurora_global_database,
    "sagemaker-endpoint": sagemaker_endpoints,
    "autoscaling-group": autoscaling_groups,
    "ecs-service": ecs_services,
    "event-source-mapping": consumers_enabled,
    "dynamodb-global-table": global_tables,
    "schedule": schedules,
    "eventbridge-rule": rules,
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
        *consumers_disabled(act),
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
