"""SageMaker endpoints, their autoscaling and the canary (ports Autoscaling, Endpoints, CanaryInvoker)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evac.domain.ports import (
    CanaryResult,
    EndpointState,
    ScalableTarget,
)
from tests.fakes import RefusedError

INSUFFICIENT_CAPACITY = "InsufficientInstanceCapacity: Unable to provision requested ML compute capacity."


@dataclass
class FakeAutoscaling:
    """Application Auto Scaling of one region: a variant is registered while it has a floor."""

    floors: dict[str, int] = field(default_factory=dict)  # endpoint -> MinCapacity; absent: not registered
    policies: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> scaling policy names

    def raise_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None:
        self.floors[endpoint] = max(self.floors.get(endpoint, 0), minimum)

    def scalable_target(self, endpoint: str, variant: str) -> ScalableTarget | None:
        return ScalableTarget(self.floors[endpoint], 8) if endpoint in self.floors else None

    def scaling(self, endpoint: str, variant: str) -> dict[str, Any] | None:
        if endpoint not in self.floors:
            return None
        return {"min_capacity": self.floors[endpoint], "policies": list(self.policies.get(endpoint, []))}

    def deregister(self, endpoint: str, variant: str) -> None:
        self.floors.pop(endpoint, None)
        self.policies.pop(endpoint, None)  # deregistering deletes the variant's scaling policies

    def resume(self, endpoint: str, variant: str, saved: dict[str, Any] | None, minimum: int) -> None:
        saved = saved or {}
        self.floors[endpoint] = max(minimum, saved.get("min_capacity", 0))
        self.policies[endpoint] = list(saved.get("policies", []))


@dataclass
class FakeEndpoints:
    """SageMaker endpoints of one region: capacity changes take effect when ``finish_updates`` is called.

    An update that needs an instance type in ``no_capacity`` rolls back instead: InService at the old count with a
    FailureReason, as SageMaker does. Changing the instance type of a variant registered with ``scaling`` is refused.
    """

    endpoints: dict[str, EndpointState]
    instance_types: dict[str, str] = field(default_factory=dict)  # endpoint -> the type it serves on
    no_capacity: set[str] = field(default_factory=set)
    silent_rollbacks: bool = False  # a rollback leaves FailureReason empty (SageMaker may)
    scaling: FakeAutoscaling | None = None
    requested: dict[str, str] = field(default_factory=dict)  # endpoint -> type of the update in flight

    def state(self, endpoint: str, variant: str) -> EndpointState | None:
        return self.endpoints.get(endpoint)

    def statuses(self, names: list[str]) -> dict[str, str]:
        return {name: self.endpoints[name].status for name in names if name in self.endpoints}

    def set_instances(self, endpoint: str, variant: str, instances: int) -> None:
        current = self.endpoints[endpoint]
        if current.status != "InService":
            raise RefusedError(f"ValidationException: Cannot update in-progress endpoint {endpoint}")
        self.endpoints[endpoint] = EndpointState(endpoint, "Updating", current.instances, instances)

    def use_instance_type(self, endpoint: str, variant: str, instance_type: str, instances: int) -> str:
        current = self.endpoints[endpoint]
        if current.status != "InService":
            raise RefusedError(f"ValidationException: Cannot update in-progress endpoint {endpoint}")
        if self.scaling is not None and endpoint in self.scaling.floors:
            raise RefusedError("ValidationException: deregister the scalable target before changing instance type")
        self.requested[endpoint] = instance_type
        self.endpoints[endpoint] = EndpointState(endpoint, "Updating", current.instances, instances)
        return f"{endpoint}-{instance_type}"

    def serve(self, endpoint: str, instances: int) -> None:
        """Instances of an update come into service: the endpoint stays Updating until ``finish_updates``."""
        state = self.endpoints[endpoint]
        self.endpoints[endpoint] = EndpointState(endpoint, state.status, instances, state.desired_instances)

    def finish_updates(self) -> None:
        for name, state in self.endpoints.items():
            instance_type = self.requested.pop(name, self.instance_types.get(name, ""))
            if instance_type in self.no_capacity and state.desired_instances > state.instances:
                self.endpoints[name] = EndpointState(
                    name,
                    "InService",
                    state.instances,
                    state.instances,
                    None if self.silent_rollbacks else INSUFFICIENT_CAPACITY,
                )
                continue
            self.instance_types[name] = instance_type
            self.endpoints[name] = EndpointState(name, "InService", state.desired_instances, state.desired_instances)


@dataclass
class FakeCanaryInvoker:
    latency_ms: float = 40.0
    ok: bool = True
    detail: str = ""

    def invoke(self, endpoint: str, body: str, content_type: str) -> CanaryResult:
        return CanaryResult(ok=self.ok, latency_ms=self.latency_ms, detail=self.detail)
