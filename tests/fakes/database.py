"""The Aurora global database and its replication lag (ports GlobalDatabase, ReplicationLag)."""

from __future__ import annotations

from dataclasses import dataclass, field

from evac.domain.ports import GlobalClusterState
from evac.errors import MetricUnavailableError
from tests.fakes import ACCOUNT, RefusedError


def cluster_arn(region: str, cluster_id: str) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{cluster_id}"


@dataclass
class FakeGlobalDatabase:
    """An Aurora global cluster: one writer, at most one switchover or failover in flight."""

    clusters: dict[str, str]  # region -> cluster id
    writer_region: str | None
    cluster_statuses: dict[str, str] = field(default_factory=dict)  # cluster id -> status; default available
    in_flight: tuple[str, str] | None = None  # (switchover | failover, target region)

    def global_state(self, global_cluster: str) -> GlobalClusterState:
        status = {"switchover": "switching-over", "failover": "failing-over"}.get(
            self.in_flight[0] if self.in_flight else "", "available"
        )
        return GlobalClusterState(
            writer_region=self.writer_region,
            status=status,
            promoting_to=self.in_flight[1] if self.in_flight else None,
        )

    def cluster_arn(self, cluster_id: str) -> str:
        region = next(r for r, c in self.clusters.items() if c == cluster_id)
        return cluster_arn(region, cluster_id)

    def cluster_status(self, cluster_id: str) -> str:
        return self.cluster_statuses.get(cluster_id, "available")

    def switchover(self, global_cluster: str, target_cluster_arn: str) -> None:
        self._start("switchover", target_cluster_arn)

    def failover(self, global_cluster: str, target_cluster_arn: str) -> None:
        self._start("failover", target_cluster_arn)

    def complete(self) -> None:
        """The promotion in flight finishes: its target writes."""
        assert self.in_flight is not None, "no promotion in flight"
        self.writer_region, self.in_flight = self.in_flight[1], None

    def _start(self, kind: str, target_cluster_arn: str) -> None:
        if self.in_flight is not None:
            raise RefusedError(f"InvalidGlobalClusterStateFault: a {self.in_flight[0]} is already in progress")
        target = target_cluster_arn.split(":")[3]
        if target == self.writer_region:
            raise RefusedError(f"InvalidParameterValue: {target_cluster_arn} is already the writer")
        self.in_flight = (kind, target)


@dataclass
class FakeReplicationLag:
    seconds: float | None = 0.85
    refused: str | None = None  # why CloudWatch does not answer, if it does not
    transient: bool = False  # throttled or failing, rather than refusing

    def lag_seconds(self, cluster_id: str) -> float | None:
        if self.refused:
            raise MetricUnavailableError(self.refused, transient=self.transient)
        return self.seconds
