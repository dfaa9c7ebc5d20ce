"""The plan's ``resources:`` as ARC Region switch steps: ARC's own block where it has one (EC2 Auto Scaling, ECS
service scaling, Lambda event source mapping, custom action Lambda for a ``custom`` resource), and evac's custom
action's ``recover-resource`` step where ARC has none (a DynamoDB global table, an EventBridge Scheduler schedule, an
EventBridge rule: the kinds ``evac.domain.arc_action.ARC_RECOVERED`` names), one mapper per kind.

Execution blocks: https://docs.aws.amazon.com/arc-region-switch/latest/api/API_ExecutionBlockConfiguration.html.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac.domain.plan_resources import (
    AutoScalingGroup,
    CustomAction,
    DynamoDbGlobalTable,
    EcsService,
    EventBridgeRule,
    EventSourceMapping,
    Schedule,
)
from evacops.arc.blocks import (
    MAPPING_TIMEOUT_MINUTES,
    RESOURCE_TIMEOUT_MINUTES,
    RETRY_MINUTES,
    evac_action,
    minutes,
    step,
)

if TYPE_CHECKING:
    from evacops.arc.blocks import Activation, Step


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


def ecs_services(act: Activation) -> list[Step]:
    """ARC's ECS service scaling block raises the activating region's desired count to ``targetPercent`` of the
    deactivating region's running tasks (their 24-hour maximum, sampled: no Container Insights needed); evac raises it
    to the plan's ``active_count``. Both wait for healthy targets when asked to
    (https://docs.aws.amazon.com/r53recovery/latest/dg/ecs-service-scaling-block.html)."""
    services = [r for r in act.plan.resources if isinstance(r, EcsService)]
    return [
        step(
            f"capacity-{service.name}",
            f"ECS {service.clusters[act.region]}/{service.services[act.region]}: the source's task count, healthy "
            "in its target groups",
            "ECSServiceScaling",
            "ecsCapacityIncreaseConfig",
            {
                "services": [
                    {
                        "clusterArn": act.target.ecs_cluster_arn(r, service.clusters[r]),
                        "serviceArn": act.target.ecs_service_arn(r, service.clusters[r], service.services[r]),
                    }
                    for r in act.plan.regions.both
                ],
                "targetPercent": 100,
                "capacityMonitoringApproach": "sampledMaxInLast24Hours",
                "waitELBTargetGroupHealthy": "enabled" if service.wait_healthy_targets else "disabled",
                "timeoutMinutes": minutes(service.expected_seconds),
            },
        )
        for service in services
    ]


def _mapping_step(act: Activation, mapping: EventSourceMapping, action: str) -> Step:
    """ARC's event source mapping block: per region of the plan, the mapping to act on when that region is activated
    (the activated region's own to enable, its peer's to disable); the same map in both workflows
    (https://docs.aws.amazon.com/r53recovery/latest/dg/lambda-event-source-mapping-block.html)."""
    acted_on = {r: r if action == "enable" else act.plan.peer(r) for r in act.plan.regions.both}
    config: dict[str, Any] = {
        "action": action,
        "regionEventSourceMappings": {
            r: {"arn": act.target.mapping_arn(where, mapping.mappings[where])} for r, where in acted_on.items()
        },
        "timeoutMinutes": MAPPING_TIMEOUT_MINUTES,
    }
    if action == "disable":  # the deactivating region's: never waited on when it may be failing
        config["ungraceful"] = {"behavior": "skip"}
    where = acted_on[act.region]
    return step(
        f"{action}-{mapping.name}",
        f"Lambda event source mapping {mapping.mappings[where]} in {where}: {action}d",
        "LambdaEventSourceMapping",
        "lambdaEventSourceMappingConfig",
        config,
    )


def consumers_enabled(act: Activation) -> list[Step]:
    """Each stream consumer enabled in the activating region, in the promote stage."""
    mappings = [r for r in act.plan.resources if isinstance(r, EventSourceMapping)]
    return [_mapping_step(act, mapping, "enable") for mapping in mappings]


def consumers_disabled(act: Activation) -> list[Step]:
    """Each consumer with ``graceful: disable`` disabled in the deactivating region before the promote stage enables
    the activating region's, so the two never consume at once (AWS's advice: a disable block, then an enable block).
    ARC's only ungraceful behaviour for it is ``skip``: an ungraceful execution skips it whatever the plan's
    ``ungraceful`` says (evac's ``ungraceful: disable`` tries the failing region once; ARC would wait on it until the
    step's timeout, and fail the execution)."""
    mappings = [r for r in act.plan.resources if isinstance(r, EventSourceMapping) and r.graceful == "disable"]
    return [_mapping_step(act, mapping, "disable") for mapping in mappings]


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


def global_tables(act: Activation) -> list[Step]:
    """ARC has no DynamoDB block (a global table has nothing to promote): evac's custom action verifies that the
    activating region's replica is ACTIVE and a replica of the deactivating region's table, retried until it is."""
    tables = [r for r in act.plan.resources if isinstance(r, DynamoDbGlobalTable)]
    return [
        evac_action(
            act,
            f"replica-{table.name}",
            f"DynamoDB global table {table.table}: the replica in {act.region} ACTIVE",
            evac_step="recover-resource",
            timeout_minutes=RESOURCE_TIMEOUT_MINUTES,
            resource=table.name,
        )
        for table in tables
    ]


def schedules(act: Activation) -> list[Step]:
    """ARC has no EventBridge Scheduler block: evac's custom action enables the activating region's schedule, where
    the writer goes, and disables the deactivating region's as the resource's ``graceful`` says (ARC runs a custom
    action only in a graceful execution)."""
    found = [r for r in act.plan.resources if isinstance(r, Schedule)]
    return [_switched(act, s, f"EventBridge Scheduler {s.group}/{s.schedules[act.region]}") for s in found]


def rules(act: Activation) -> list[Step]:
    """ARC has no EventBridge rule block: evac's custom action enables the activating region's rule and disables the
    deactivating region's, as it does a schedule."""
    found = [r for r in act.plan.resources if isinstance(r, EventBridgeRule)]
    return [_switched(act, r, f"EventBridge rule {r.event_bus}/{r.rules[act.region]}") for r in found]


def _switched(act: Activation, resource: Schedule | EventBridgeRule, what: str) -> Step:
    source = f", disabled in {act.peer}" if resource.graceful == "disable" else ""
    return evac_action(
        act,
        f"enable-{resource.name}",
        f"{what}: enabled in {act.region}{source}",
        evac_step="recover-resource",
        timeout_minutes=RESOURCE_TIMEOUT_MINUTES,
        resource=resource.name,
    )
