"""What the recovery kinds need from AWS in one region, as small protocols: ``evac.aws`` implements them (ecs,
ec2_autoscaling, elbv2, awslambda, scheduler, events; global tables are ``evac.domain.ports.ReplicatedTables``, as
readiness reads them), unit tests use fakes. Each read returns None for a resource that does not exist, and raises an
``EvacError`` when it cannot be read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from evac.domain.ports import ReplicatedTables


@dataclass(frozen=True)
class ServiceState:
    """An ECS service as DescribeServices reports it; ``rollout``: its primary deployment's rolloutState;
    ``target_groups``: the target groups of its ``loadBalancers`` (ECS registers its tasks with them)."""

    status: str
    desired: int
    running: int
    rollout: str | None = None
    rollout_reason: str = ""
    target_groups: tuple[str, ...] = ()


class EcsServices(Protocol):
    def service(self, cluster: str, service: str) -> ServiceState | None: ...

    def set_desired(self, cluster: str, service: str, count: int) -> None: ...


@dataclass(frozen=True)
class GroupState:
    """An EC2 Auto Scaling group as DescribeAutoScalingGroups reports it; ``serving``: its instances InService and
    Healthy; ``suspended``: its suspended processes (``Launch`` suspended launches nothing)."""

    minimum: int
    desired: int
    maximum: int
    serving: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    suspended: tuple[str, ...] = ()


class AutoScalingGroups(Protocol):
    def group(self, name: str) -> GroupState | None: ...

    def set_capacity(self, name: str, *, minimum: int, desired: int, maximum: int) -> None: ...


class TargetGroups(Protocol):
    def healthy(self, target_group_arn: str, targets: tuple[str, ...] | None = None) -> int:
        """How many of ``targets`` (ids), or of all its targets if None, are ``healthy`` in the target group
        (DescribeTargetHealth)."""
        ...


@dataclass(frozen=True)
class Invoked:
    """A synchronous invocation's answer: ``error`` is its FunctionError (``Unhandled``...) with the error's message,
    None when the function returned."""

    error: str | None = None


class Functions(Protocol):
    def invoke(self, name: str, event: dict[str, object], timeout_seconds: float) -> Invoked:
        """Invoke ``name`` and wait for its answer, ``timeout_seconds`` at most (``FunctionTimeoutError`` then)."""
        ...


class EventSourceMappings(Protocol):
    def state(self, uuid: str) -> str | None:
        """Enabled, Enabling, Disabled, Disabling, Updating... (API_EventSourceMappingConfiguration)."""
        ...

    def set_enabled(self, uuid: str, enabled: bool) -> None: ...


class Schedules(Protocol):
    def state(self, name: str, group: str) -> str | None:
        """ENABLED or DISABLED."""
        ...

    def set_enabled(self, name: str, group: str, enabled: bool) -> None: ...


class Rules(Protocol):
    def state(self, name: str, bus: str) -> str | None:
        """ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (DescribeRule)."""
        ...

    def set_enabled(self, name: str, bus: str, enabled: bool) -> None: ...


@dataclass(frozen=True)
class Region:
    """The adapters of one region, one per kind's service."""

    services: EcsServices
    tables: ReplicatedTables
    mappings: EventSourceMappings
    schedules: Schedules
    rules: Rules
    groups: AutoScalingGroups
    targets: TargetGroups
    functions: Functions


class ServingReads(Protocol):
    """What a serving kind's share is read with in one region (``Region`` has them; so does ``Serving``)."""

    @property
    def services(self) -> EcsServices: ...

    @property
    def groups(self) -> AutoScalingGroups: ...

    @property
    def targets(self) -> TargetGroups: ...


@dataclass(frozen=True)
class Serving:
    """The reads of ``region``'s serving kinds (ECS services, Auto Scaling groups and their target groups): what the
    traffic ramp's capacity share reads beside the endpoints."""

    region: str
    services: EcsServices
    groups: AutoScalingGroups
    targets: TargetGroups
