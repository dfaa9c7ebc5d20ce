"""The plan's ``resources:``: what the application needs in the target besides its database and endpoints, by kind.

Each item names its ``kind`` (the discriminator), a ``name`` unique in the plan, and its identifiers in each region.
The runbook's promote stage runs every item through its kind's step (``evac.domain.kinds``) beside the database
and the endpoints. A graceful run (a switchover: the source answers) also acts on the source where the kind says
so; an ungraceful one (a failover) skips what needs the failing region unless the item asks to try it.

Example::

    resources:
      - kind: ecs-service
        name: rag-assistant-api
        clusters: {us-east-1: rag-assistant, us-west-2: rag-assistant}
        services: {us-east-1: rag-assistant-api, us-west-2: rag-assistant-api}
        active_count: 4
        standby_count: 1
      - kind: autoscaling-group
        name: rag-assistant-gpu
        groups: {us-east-1: rag-assistant-gpu-use1, us-west-2: rag-assistant-gpu-usw2}
        active_capacity: 4
        standby_capacity: 1
      - kind: custom
        name: rag-assistant-warm-cache
        functions: {us-east-1: rag-assistant-warm-cache, us-west-2: rag-assistant-warm-cache}
        timeout_seconds: 120
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from collections.abc import Iterator

Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
Name = Annotated[str, Field(min_length=1, max_length=128)]
# Lambda event source mapping identifiers are UUIDs (API_EventSourceMappingConfiguration).
MappingId = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
# What a run does in the source region: disable it there, or leave it alone.
SourceAction = Literal["disable", "skip"]


class _Resource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="unique in the plan; prefixed with the application's name (IAM scoping)")

    def regional(self) -> dict[str, dict[str, str]]:
        """Every per-region mapping of the item, by field name (each must name exactly the plan's two regions)."""
        return {}

    @property
    def serving(self) -> bool:
        """Whether traffic needs it: DNS moves only once every serving resource serves in the target."""
        return False


class EcsService(_Resource):
    """An ECS service in each region: its desired count raised to ``active_count`` in the target, done once its
    running tasks reach it (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html)
    and, with ``wait_healthy_targets``, once every target group of its ``loadBalancers`` has that many healthy
    targets (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html)."""

    kind: Literal["ecs-service"]
    clusters: dict[Region, Name]
    services: dict[Region, Name]
    active_count: int = Field(gt=0, le=1000, description="tasks the serving region runs")
    standby_count: int = Field(ge=0, le=1000, description="tasks kept running in the passive region")
    wait_healthy_targets: bool = Field(default=True, description="also wait for healthy targets in its target groups")
    expected_seconds: int = Field(default=120, gt=0, le=3600, description="until new tasks run; polled from then")

    @model_validator(mode="after")
    def _standby_not_above_active(self) -> EcsService:
        if self.standby_count > self.active_count:
            raise ValueError("standby_count cannot exceed active_count")
        return self

    def regional(self) -> dict[str, dict[str, str]]:
        return {"clusters": self.clusters, "services": self.services}

    @property
    def serving(self) -> bool:
        return True


class DynamoDbGlobalTable(_Resource):
    """A DynamoDB global table (version 2019.11.21): every replica takes writes, so there is nothing to promote; the
    run verifies that the target's replica is ACTIVE."""

    kind: Literal["dynamodb-global-table"]
    table: Name = Field(description="the table's name, the same in every replica's region")


class EventSourceMapping(_Resource):
    """A Lambda event source mapping in each region (a stream or queue consumer): enabled in the target; disabled in
    the source when the run is graceful, and when ungraceful only if ``ungraceful: disable`` (tried once, never
    waited for)."""

    kind: Literal["event-source-mapping"]
    mappings: dict[Region, MappingId] = Field(description="the mapping's UUID in each region")
    graceful: SourceAction = "disable"
    ungraceful: SourceAction = "skip"

    def regional(self) -> dict[str, dict[str, str]]:
        return {"mappings": self.mappings}


class Schedule(_Resource):
    """An EventBridge Scheduler schedule in each region (a training or batch pipeline runs where the writer is):
    enabled in the target, disabled in the source as ``graceful`` / ``ungraceful`` say."""

    kind: Literal["schedule"]
    schedules: dict[Region, Name] = Field(description="the schedule's name in each region")
    group: Name = "default"
    graceful: SourceAction = "disable"
    ungraceful: SourceAction = "skip"

    def regional(self) -> dict[str, dict[str, str]]:
        return {"schedules": self.schedules}


class EventBridgeRule(_Resource):
    """An EventBridge rule on an event bus in each region (a scheduled or event-pattern trigger, such as a nightly
    fine-tuning run): enabled in the target, disabled in the source as ``graceful`` / ``ungraceful`` say
    (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_EnableRule.html)."""

    kind: Literal["eventbridge-rule"]
    rules: dict[Region, Name] = Field(description="the rule's name in each region")
    event_bus: Name = Field(default="default", description="the bus the rule is on, the same name in each region")
    graceful: SourceAction = "disable"
    ungraceful: SourceAction = "skip"

    def regional(self) -> dict[str, dict[str, str]]:
        return {"rules": self.rules}


class AutoScalingGroup(_Resource):
    """An EC2 Auto Scaling group in each region (a GPU fleet): its minimum and desired capacity raised to
    ``active_capacity`` in the target, done once that many instances are InService and healthy, and, with
    ``wait_healthy_targets``, healthy in every load-balancer target group the group is attached to
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html)."""

    kind: Literal["autoscaling-group"]
    groups: dict[Region, Name] = Field(description="the Auto Scaling group's name in each region")
    active_capacity: int = Field(gt=0, le=1000, description="instances the serving region runs")
    standby_capacity: int = Field(ge=0, le=1000, description="instances kept running in the passive region")
    wait_healthy_targets: bool = Field(default=True, description="also wait for healthy targets in its target groups")
    expected_seconds: int = Field(default=240, gt=0, le=3600, description="until new instances serve; polled from then")

    @model_validator(mode="after")
    def _standby_not_above_active(self) -> AutoScalingGroup:
        if self.standby_capacity > self.active_capacity:
            raise ValueError("standby_capacity cannot exceed active_capacity")
        return self

    def regional(self) -> dict[str, dict[str, str]]:
        return {"groups": self.groups}

    @property
    def serving(self) -> bool:
        return True


class CustomAction(_Resource):
    """A Lambda function of the application's, invoked in the target (synchronously, ``RequestResponse``) for what
    no kind covers: done when it returns without a ``FunctionError`` within ``timeout_seconds``. A synchronous
    invocation waits at most the function's own timeout, 900 s at most
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-sync.html); evac's step waits 840 s at most."""

    kind: Literal["custom"]
    functions: dict[Region, Name] = Field(description="the function's name in each region (the target's is invoked)")
    timeout_seconds: int = Field(default=60, gt=0, le=840, description="how long to wait for the function's answer")
    ungraceful: Literal["invoke", "skip"] = Field(default="invoke", description="skip: only on a graceful run")

    def regional(self) -> dict[str, dict[str, str]]:
        return {"functions": self.functions}


Resource = Annotated[
    EcsService
    | AutoScalingGroup
    | DynamoDbGlobalTable
    | EventSourceMapping
    | Schedule
    | EventBridgeRule
    | CustomAction,
    Field(discriminator="kind"),
]
KINDS = (
    "ecs-service",
    "autoscaling-group",
    "dynamodb-global-table",
    "event-source-mapping",
    "schedule",
    "eventbridge-rule",
    "custom",
)


# The most resources a plan may have: as many as measured. A run carries each item's poll from step to step (about
# 300 bytes), and a Step Functions state's input or output over 256 KiB fails the execution past every Catch
# (docs/runbook.md, "Payload size"): 22 KB at 50 resources, 98 KB at 300.
MAX_RESOURCES = 300


def _checked(resources: list[Resource]) -> list[Resource]:
    """At most ``MAX_RESOURCES`` of them, each name once."""
    if len(resources) > MAX_RESOURCES:
        raise ValueError(
            f"a plan has at most {MAX_RESOURCES} resources, this one {len(resources)}: a run carries each item's state"
            " through Step Functions, whose states hold 256 KiB at most; split the application into plans of fewer"
        )
    names = [r.name for r in resources]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise ValueError(f"resource names must be unique; repeated: {duplicates}")
    return resources


Resources = Annotated[list[Resource], AfterValidator(_checked)]


def region_maps(resources: list[Resource]) -> Iterator[tuple[str, dict[str, str]]]:
    """``(field path, mapping)`` of every per-region mapping, for the plan's region checks.

    >>> list(region_maps([]))
    []
    """
    for i, resource in enumerate(resources):
        for field, mapping in resource.regional().items():
            yield f"resources.{i}.{field}", mapping


def check_names(resources: list[Resource], application: str) -> None:
    """Every AWS name an item gives starts with the application's name: evac's IAM is scoped to that prefix (an
    event source mapping's UUID is scoped through its function's name instead; a rule's bus is ``default`` or the
    application's, as its rule ARN, ``rule/<bus>/<name>``, is scoped)."""
    for i, resource in enumerate(resources):
        names = [n for m in resource.regional().values() for n in m.values()]
        names += [resource.table] if isinstance(resource, DynamoDbGlobalTable) else []
        names += (
            [resource.event_bus] if isinstance(resource, EventBridgeRule) and resource.event_bus != "default" else []
        )
        for name in names if not isinstance(resource, EventSourceMapping) else []:
            if not name.startswith(application):
                raise ValueError(f"resources.{i}: {name!r} does not start with the application's name {application!r}")
