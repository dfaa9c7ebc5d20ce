"""One region's services for the recovery kinds (ports ``evac.domain.kinds.ports``): ECS services whose tasks run
when told to (``start_tasks``), Auto Scaling groups whose instances serve when told to (``launch``), global tables,
event source mappings, schedules, EventBridge rules and functions. A dark region's calls fail as an unanswered region
does (``RegionUnavailableError``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from evac.domain.kinds.ports import GroupState, Invoked, Region, ServiceState
from evac.errors import RegionUnavailableError, ResourceNotFoundError

if TYPE_CHECKING:
    from evac.domain.ports import TableReplicas


@dataclass
class FakeRegion:
    name: str
    dark: bool = False
    services: dict[tuple[str, str], ServiceState] = field(default_factory=dict)
    tables: dict[str, TableReplicas] = field(default_factory=dict)
    mappings: dict[str, str] = field(default_factory=dict)  # uuid -> State
    schedules: dict[tuple[str, str], str] = field(default_factory=dict)  # (group, name) -> State
    rules: dict[tuple[str, str], str] = field(default_factory=dict)  # (bus, name) -> State
    groups: dict[str, GroupState] = field(default_factory=dict)
    healthy_targets: dict[str, set[str]] = field(default_factory=dict)  # target group ARN -> healthy instance ids
    functions: dict[str, str | None] = field(default_factory=dict)  # name -> the error it answers with, or None
    invoked: list[tuple[str, dict[str, object], float]] = field(default_factory=list)

    def _answer(self) -> None:
        if self.dark:
            raise RegionUnavailableError(f"{self.name} does not answer")

    # ECS
    def service(self, cluster: str, service: str) -> ServiceState | None:
        self._answer()
        return self.services.get((cluster, service))

    def set_desired(self, cluster: str, service: str, count: int) -> None:
        self._answer()
        state = self.services[(cluster, service)]
        self.services[(cluster, service)] = replace(state, desired=count, rollout_reason="")

    def start_tasks(self, *, healthy: bool = True) -> None:
        """Every service's tasks come up to its desired count (healthy in its target groups if ``healthy``; ECS
        registers them there itself)."""
        for key, state in self.services.items():
            self.services[key] = replace(state, running=state.desired, rollout="COMPLETED", rollout_reason="")
            tasks = {f"10.0.{n // 250}.{n % 250 + 1}" for n in range(state.desired)}
            for arn in state.target_groups:
                self.healthy_targets[arn] = tasks if healthy else set()

    # DynamoDB
    def replicas(self, table: str) -> TableReplicas:
        self._answer()
        if table not in self.tables:
            raise ResourceNotFoundError(f"table {table} does not exist in {self.name}")
        return self.tables[table]

    # Lambda event source mappings
    def state(self, uuid: str, group: str | None = None) -> str | None:
        self._answer()
        return self.mappings.get(uuid) if group is None else self.schedules.get((group, uuid))

    def set_enabled(self, uuid: str, *args: object) -> None:
        self._answer()
        if len(args) == 1:
            self.mappings[uuid] = "Enabled" if args[0] else "Disabled"
        else:
            group, enabled = args
            self.schedules[(str(group), uuid)] = "ENABLED" if enabled else "DISABLED"

    # EC2 Auto Scaling and ELB target groups
    def group(self, name: str) -> GroupState | None:
        self._answer()
        return self.groups.get(name)

    def set_capacity(self, name: str, *, minimum: int, desired: int, maximum: int) -> None:
        self._answer()
        state = self.groups[name]
        self.groups[name] = GroupState(minimum, desired, maximum, state.serving, state.target_groups, state.suspended)

    def launch(self, *, healthy: bool = True) -> None:
        """Every group's instances come up to its desired capacity (healthy in its target groups if ``healthy``)."""
        for name, state in self.groups.items():
            serving = tuple(f"i-{name}-{n}" for n in range(state.desired))
            self.groups[name] = GroupState(
                state.minimum, state.desired, state.maximum, serving, state.target_groups, state.suspended
            )
            for arn in state.target_groups:
                self.healthy_targets[arn] = set(serving) if healthy else set()

    def healthy(self, target_group_arn: str, targets: tuple[str, ...] | None = None) -> int:
        self._answer()
        healthy = self.healthy_targets.get(target_group_arn, set())
        return len(healthy if targets is None else healthy & set(targets))

    # Lambda functions
    def invoke(self, name: str, event: dict[str, object], timeout_seconds: float) -> Invoked:
        self._answer()
        self.invoked.append((name, event, timeout_seconds))
        return Invoked(error=self.functions[name])

    def ports(self) -> Region:
        return Region(
            services=self,
            tables=self,
            mappings=self,
            schedules=self,
            rules=_Rules(self),
            groups=self,
            targets=self,
            functions=self,
        )


@dataclass
class _Rules:
    """The region's EventBridge rules (their own port: a rule and a schedule may share a name)."""

    region: FakeRegion

    def state(self, name: str, bus: str) -> str | None:
        self.region._answer()
        return self.region.rules.get((bus, name))

    def set_enabled(self, name: str, bus: str, enabled: bool) -> None:
        self.region._answer()
        if (bus, name) in self.region.rules:
            self.region.rules[(bus, name)] = "ENABLED" if enabled else "DISABLED"
