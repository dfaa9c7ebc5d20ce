"""What the recovery kinds need from AWS in one region, as small protocols: ``evac.aws`` implements them (ecs,
awslambda, scheduler; global tables are ``evac.domain.ports.ReplicatedTables``, as readiness reads them), unit tests
use fakes. Each read returns None for a resource that does not exist, and raises an ``EvacError`` when it cannot be
read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from evac.domain.ports import ReplicatedTables


@dataclass(frozen=True)
class ServiceState:
    """An ECS service as DescribeServices reports it; ``rollout``: its primary deployment's rolloutState."""

    status: str
    desired: int
    running: int
    rollout: str | None = None
    rollout_reason: str = ""


class EcsServices(Protocol):
    def service(self, cluster: str, service: str) -> ServiceState | None: ...

    def set_desired(self, cluster: str, service: str, count: int) -> None: ...


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


@dataclass(frozen=True)
class Region:
    """The adapters of one region, one per kind's service."""

    services: EcsServices
    tables: ReplicatedTables
    mappings: EventSourceMappings
    schedules: Schedules
