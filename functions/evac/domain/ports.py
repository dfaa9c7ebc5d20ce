"""What the domain needs from AWS, as small protocols. ``evac.aws`` implements them; unit tests use fakes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class GlobalClusterState:
    writer_region: str | None
    status: str
    promoting_to: str | None = None  # region of the cluster a switchover or failover is moving the writer to


@dataclass(frozen=True)
class EndpointState:
    name: str
    status: str
    instances: int
    desired_instances: int


@dataclass(frozen=True)
class CanaryResult:
    ok: bool
    latency_ms: float
    detail: str


class GlobalDatabase(Protocol):
    def global_state(self, global_cluster: str) -> GlobalClusterState: ...
    def cluster_arn(self, cluster_id: str) -> str: ...
    def cluster_status(self, cluster_id: str) -> str: ...
    def switchover(self, global_cluster: str, target_cluster_arn: str) -> None: ...
    def failover(self, global_cluster: str, target_cluster_arn: str) -> None: ...


class ReplicationLag(Protocol):
    def lag_seconds(self, cluster_id: str) -> float | None: ...


class Endpoints(Protocol):
    def state(self, endpoint: str, variant: str) -> EndpointState | None: ...
    def set_instances(self, endpoint: str, variant: str, instances: int) -> None: ...


class Autoscaling(Protocol):
    def raise_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None: ...
    def set_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None: ...


class Canary(Protocol):
    def invoke(self, endpoint: str, body: str, content_type: str) -> CanaryResult: ...


class WeightedRecords(Protocol):
    def weights(self, zone: str, name: str, record_type: str) -> dict[str, int]: ...
    def set_weights(self, zone: str, name: str, record_type: str, weights: dict[str, int]) -> str: ...
    def change_done(self, change_id: str) -> bool: ...
