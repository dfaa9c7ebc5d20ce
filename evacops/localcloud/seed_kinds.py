"""Seed the plan's ``resources:`` in the local cloud's two regions, as the application runs before a failover: the
primary serves and runs the pipelines, the secondary stands by.

- ``ecs-service``: a cluster, a task definition, an ``ip`` target group in the default VPC and the service behind
  it in each region, ``active_count`` tasks in the primary, ``standby_count`` in the secondary (``fidelity.ecs``
  makes them run and registers them, healthy, with the target group).
- ``dynamodb-global-table``: the table in the primary with a replica in the secondary (``fidelity.dynamodb``).
- ``event-source-mapping``: a consumer function and a Kinesis stream in each region, mapped under the plan's UUID
  (AWS assigns the UUID when the mapping is created; the plan copies it from the deployment), enabled in the
  primary only.
- ``schedule``: the schedule group and a nightly schedule in each region, ENABLED in the primary only.
- ``eventbridge-rule``: the event bus (unless ``default``) and a rule on it targeting a function of the
  application's in each region (nightly on the default bus, an event pattern on another: scheduled rules are only on
  the default bus), ENABLED in the primary only.
- ``autoscaling-group``: a launch template, a target group in the default VPC and the group attached to it in each
  region, ``active_capacity`` instances in the primary, ``standby_capacity`` in the secondary
  (``fidelity.ec2_autoscaling`` makes new ones take time to launch).
- ``custom``: the function in each region, running ``evacops.localcloud.app_functions.warm_cache``.

Ground truth (``resource_states``) is read from moto's backends, never through evac's adapters.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

import boto3
from moto.autoscaling.models import autoscaling_backends
from moto.awslambda.models import lambda_backends
from moto.dynamodb.models import dynamodb_backends
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.events.models import events_backends
from moto.scheduler.models import scheduler_backends
from moto.ssm.models import ssm_backends

from evac.domain.plan_resources import (
    AutoScalingGroup,
    CustomAction,
    DynamoDbGlobalTable,
    EcsService,
    EventBridgeRule,
    EventSourceMapping,
    Schedule,
)
from evacops.localcloud.app_functions import ran_parameter

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_resources import Resource

_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
NIGHTLY = "cron(0 3 * * ? *)"
_PIPELINE_EVENTS = json.dumps({"source": ["evac.localcloud.pipeline"]})
WARM_CACHE = "evacops.localcloud.app_functions.warm_cache"


def seed_kinds(plan: RecoveryPlan, account: str) -> None:
    """Create every resource the plan lists, serving from the primary."""
    for resource in plan.resources:
        for region in plan.regions.both:
            serving = region == plan.regions.primary
            if isinstance(resource, EcsService):
                _seed_service(resource, region, serving)
            elif isinstance(resource, EventSourceMapping):
                _seed_mapping(plan, resource, region, account, serving)
            elif isinstance(resource, Schedule):
                _seed_schedule(plan, resource, region, serving)
            elif isinstance(resource, EventBridgeRule):
                _seed_rule(plan, resource, region, serving)
            elif isinstance(resource, AutoScalingGroup):
                seed_group(resource, region, serving)
            elif isinstance(resource, CustomAction):
                _function(plan, resource.functions[region], region, handler=WARM_CACHE)
        if isinstance(resource, DynamoDbGlobalTable):
            _seed_table(plan, resource)


# The API's target group checks every 10 s and finds a target healthy after 3 checks in a row: 30 s from a task's
# start (AWS's defaults for an ip target group are 30 s and 5).
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
API_HEALTH_CHECK = {"HealthCheckIntervalSeconds": 10, "HealthyThresholdCount": 3}


def _default_vpc(region: str) -> str:
    ec2 = boto3.client("ec2", region)
    return str(ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"])


def _seed_service(service: EcsService, region: str, serving: bool) -> None:
    target_group = boto3.client("elbv2", region).create_target_group(
        Name=f"{service.services[region]}"[:29] + "-tg",
        Protocol="HTTP",
        Port=8080,
        VpcId=_default_vpc(region),
        TargetType="ip",
        **API_HEALTH_CHECK,
    )["TargetGroups"][0]["TargetGroupArn"]
    ecs = boto3.client("ecs", region)
    if not ecs.describe_clusters(clusters=[service.clusters[region]])["clusters"]:  # services may share a cluster
        ecs.create_cluster(clusterName=service.clusters[region])
    ecs.register_task_definition(
        family=service.name,
        containerDefinitions=[{"name": "api", "image": "public.ecr.aws/nginx/nginx:1", "memory": 512}],
    )
    ecs.create_service(
        cluster=service.clusters[region],
        serviceName=service.services[region],
        taskDefinition=service.name,
        desiredCount=service.active_count if serving else service.standby_count,
        loadBalancers=[{"targetGroupArn": target_group, "containerName": "api", "containerPort": 8080}],
    )


def _seed_table(plan: RecoveryPlan, table: DynamoDbGlobalTable) -> None:
    dynamodb = boto3.client("dynamodb", plan.regions.primary)
    dynamodb.create_table(
        TableName=table.table,
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.update_table(TableName=table.table, ReplicaUpdates=[{"Create": {"RegionName": plan.regions.secondary}}])


def _function(plan: RecoveryPlan, name: str, region: str, *, handler: str = "handler.handler") -> str:
    """A function of the application's (a consumer, a pipeline's entry point, a custom action): its ARN."""
    role = boto3.client("iam", region).create_role(RoleName=f"{name}-{region}"[:64], AssumeRolePolicyDocument=_TRUST)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as bundle:
        bundle.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return str(
        boto3.client("lambda", region).create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role["Role"]["Arn"],
            Handler=handler,
            Code={"ZipFile": code.getvalue()},
            Description=f"{plan.application}: a function the plan's resources name",
        )["FunctionArn"]
    )


def target_group_name(group: AutoScalingGroup, region: str) -> str:
    """The group's target group (ELB names: 32 characters at most, unique in the region): a longer group name keeps
    its start and a digest of the whole, so two groups whose names share their first 29 characters get two."""
    name = group.groups[region]
    if len(name) > 29:
        name = name[:20].rstrip("-") + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return name + "-tg"


def seed_group(group: AutoScalingGroup, region: str, serving: bool) -> None:
    ec2 = boto3.client("ec2", region)
    vpc = _default_vpc(region)
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    template = f"{group.groups[region]}-template"
    ec2.create_launch_template(LaunchTemplateName=template, LaunchTemplateData={"ImageId": image})
    target_group = boto3.client("elbv2", region).create_target_group(
        Name=target_group_name(group, region), Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    capacity = group.active_capacity if serving else group.standby_capacity
    boto3.client("autoscaling", region).create_auto_scaling_group(
        AutoScalingGroupName=group.groups[region],
        LaunchTemplate={"LaunchTemplateName": template, "Version": "$Latest"},
        MinSize=capacity,
        MaxSize=group.active_capacity,
        DesiredCapacity=capacity,
        VPCZoneIdentifier=subnet,
        TargetGroupARNs=[target_group],
        HealthCheckType="ELB",
    )


def _seed_mapping(plan: RecoveryPlan, mapping: EventSourceMapping, region: str, account: str, serving: bool) -> None:
    kinesis = boto3.client("kinesis", region)
    stream = f"{mapping.name}-documents"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    function = _function(plan, mapping.name, region)
    created = boto3.client("lambda", region).create_event_source_mapping(
        EventSourceArn=arn, FunctionName=function, StartingPosition="LATEST", Enabled=serving
    )
    backend = lambda_backends[account][region]._event_source_mappings
    esm = backend.pop(created["UUID"])
    esm.uuid = mapping.mappings[region]
    backend[esm.uuid] = esm


def _seed_schedule(plan: RecoveryPlan, schedule: Schedule, region: str, serving: bool) -> None:
    scheduler = boto3.client("scheduler", region)
    if schedule.group != "default" and not scheduler.list_schedule_groups(NamePrefix=schedule.group)["ScheduleGroups"]:
        scheduler.create_schedule_group(Name=schedule.group)
    role = boto3.client("iam", region).create_role(
        RoleName=f"{schedule.name}-scheduler-{region}"[:64], AssumeRolePolicyDocument=_TRUST
    )["Role"]["Arn"]
    scheduler.create_schedule(
        Name=schedule.schedules[region],
        GroupName=schedule.group,
        ScheduleExpression=NIGHTLY,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": _function(plan, schedule.schedules[region], region), "RoleArn": role, "Input": "{}"},
        State="ENABLED" if serving else "DISABLED",
    )


def _seed_rule(plan: RecoveryPlan, rule: EventBridgeRule, region: str, serving: bool) -> None:
    events = boto3.client("events", region)
    if rule.event_bus != "default" and not events.list_event_buses(NamePrefix=rule.event_bus)["EventBuses"]:
        events.create_event_bus(Name=rule.event_bus)
    name = rule.rules[region]
    # a scheduled rule is only on the default bus; on another, the pipeline's rule matches its events
    trigger = {"ScheduleExpression": NIGHTLY} if rule.event_bus == "default" else {"EventPattern": _PIPELINE_EVENTS}
    events.put_rule(Name=name, EventBusName=rule.event_bus, State="ENABLED" if serving else "DISABLED", **trigger)
    target = {"Id": "pipeline", "Arn": _function(plan, name, region)}
    events.put_targets(Rule=name, EventBusName=rule.event_bus, Targets=[target])


def resource_states(plan: RecoveryPlan, region: str, account: str) -> dict[str, dict[str, Any]]:
    """Each resource's state in ``region``, from moto's backends: what a drill's verdict reads."""
    return {r.name: _state(r, region, account) for r in plan.resources}


def serving_share(plan: RecoveryPlan, region: str, account: str) -> int:
    """The least share (percent, rounded down) of its active count that any serving resource (ECS service: tasks
    running and healthy; Auto Scaling group: instances InService and healthy) serves in ``region``, from moto's
    backends; 100 for a plan without serving resources."""
    shares = [100]
    for resource in plan.resources:
        if isinstance(resource, EcsService):
            state = _service_state(resource, region, account)
            shares.append(_share(min(state["running"], state["healthy"]), resource.active_count))
        elif isinstance(resource, AutoScalingGroup):
            state = _group_state(resource, region, account)
            shares.append(_share(min(state["in_service"], state["healthy"]), resource.active_capacity))
    return min(shares)


def _share(serving: int, active: int) -> int:
    return min(100, 100 * serving // active)


def _state(resource: Resource, region: str, account: str) -> dict[str, Any]:
    if isinstance(resource, EcsService):
        return _service_state(resource, region, account)
    if isinstance(resource, DynamoDbGlobalTable):
        table = dynamodb_backends[account][region].tables.get(resource.table)
        return {"exists": table is not None}
    if isinstance(resource, AutoScalingGroup):
        return _group_state(resource, region, account)
    if isinstance(resource, CustomAction):
        runs = ssm_backends[account][region]._parameters.get(ran_parameter(resource.name))
        return {"ran": json.loads(runs[-1].value) if runs else None}
    return {"enabled": _enabled(resource, region, account)}


def _enabled(resource: EventSourceMapping | Schedule | EventBridgeRule, region: str, account: str) -> bool:
    """Whether a switch (a consumer, a schedule, a rule) is on in ``region``; False if it does not exist."""
    if isinstance(resource, EventSourceMapping):
        esm = lambda_backends[account][region]._event_source_mappings.get(resource.mappings[region])
        return bool(esm and esm.enabled)
    if isinstance(resource, EventBridgeRule):
        bus = events_backends[account][region].event_buses.get(resource.event_bus)
        rule = bus.rules.get(resource.rules[region]) if bus else None
        return rule is not None and rule.state in ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    group = scheduler_backends[account][region].schedule_groups.get(resource.group)
    schedule = group.schedules.get(resource.schedules[region]) if group else None
    return schedule is not None and schedule.state == "ENABLED"


def _service_state(resource: EcsService, region: str, account: str) -> dict[str, Any]:
    """The service's counts and the fewest healthy targets any of its target groups has (its running count if it
    has none)."""
    service = ecs_backends[account][region].services.get(f"{resource.clusters[region]}:{resource.services[region]}")
    if service is None:
        return {"running": 0, "desired": 0, "healthy": 0}
    elbv2 = elbv2_backends[account][region]
    groups = [elbv2.target_groups.get(str(b.get("targetGroupArn"))) for b in service.load_balancers]
    counts = [
        sum(h.status == "healthy" for h in elbv2.describe_target_health(g.arn, [{"Id": t} for t in g.targets]))
        if g
        else 0
        for g in groups
    ]
    return {
        "running": service.running_count,
        "desired": service.desired_count,
        "healthy": min(counts, default=service.running_count),
    }


def _group_state(group: AutoScalingGroup, region: str, account: str) -> dict[str, Any]:
    """The group's capacity and its instances InService, and how many of them its target groups find healthy."""
    found = autoscaling_backends[account][region].autoscaling_groups.get(group.groups[region])
    if found is None:
        return {"exists": False, "minimum": 0, "desired": 0, "in_service": 0, "healthy": 0}
    serving = [s.instance.id for s in found.instance_states if s.lifecycle_state == "InService"]
    elbv2 = elbv2_backends[account][region]
    healthy = [
        sum(h.status == "healthy" for h in elbv2.describe_target_health(arn, [{"Id": i} for i in serving]))
        for arn in found.target_group_arns
    ]
    return {
        "exists": True,
        "minimum": found.min_size,
        "desired": found.desired_capacity,
        "in_service": len(serving),
        "healthy": min(healthy, default=len(serving)),
    }
