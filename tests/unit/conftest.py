"""In-memory fakes of the domain's ports (``evac.domain.ports``), seeded as the bundled plan's application runs:
us-east-1 writes and serves, us-west-2 keeps a warm standby.

Each fake behaves like the AWS API it stands for where the runbook depends on it: a promotion refuses to start while
another is in flight, an endpoint refuses a capacity change while it is updating, a DNS change is pending until it
propagates. So the tests can assert outcomes (who writes, what serves, where traffic goes) rather than call counts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from evac.domain.models import Poll, Preflight, RecordInput, Run, Verification
from evac.domain.ports import CanaryResult, EndpointState, GlobalClusterState

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

ACCOUNT = "123456789012"


class RefusedError(Exception):
    """What a fake raises where AWS would refuse the call."""


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

    def lag_seconds(self, cluster_id: str) -> float | None:
        return self.seconds


@dataclass
class FakeEndpoints:
    """SageMaker endpoints of one region: capacity changes take effect when ``finish_updates`` is called."""

    endpoints: dict[str, EndpointState]

    def state(self, endpoint: str, variant: str) -> EndpointState | None:
        return self.endpoints.get(endpoint)

    def set_instances(self, endpoint: str, variant: str, instances: int) -> None:
        current = self.endpoints[endpoint]
        if current.status != "InService":
            raise RefusedError(f"ValidationException: Cannot update in-progress endpoint {endpoint}")
        self.endpoints[endpoint] = EndpointState(endpoint, "Updating", current.instances, instances)

    def finish_updates(self) -> None:
        for name, state in self.endpoints.items():
            self.endpoints[name] = EndpointState(name, "InService", state.desired_instances, state.desired_instances)


@dataclass
class FakeAutoscaling:
    floors: dict[str, int] = field(default_factory=dict)  # endpoint -> MinCapacity

    def raise_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None:
        self.floors[endpoint] = max(self.floors.get(endpoint, 0), minimum)


@dataclass
class FakeCanary:
    latency_ms: float = 40.0
    ok: bool = True
    detail: str = ""

    def invoke(self, endpoint: str, body: str, content_type: str) -> CanaryResult:
        return CanaryResult(ok=self.ok, latency_ms=self.latency_ms, detail=self.detail)


@dataclass
class FakeWeightedRecords:
    """One weighted record; a change is PENDING until ``propagate`` and every change is kept in ``changes``."""

    current: dict[str, int]
    changes: list[dict[str, int]] = field(default_factory=list)
    pending: set[str] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def weights(self, zone: str, name: str, record_type: str) -> dict[str, int]:
        return dict(self.current)

    def set_weights(self, zone: str, name: str, record_type: str, weights: dict[str, int]) -> str:
        change_id = f"/change/C{next(self._ids)}"
        self.current |= weights
        self.changes.append(dict(weights))
        self.pending.add(change_id)
        return change_id

    def change_done(self, change_id: str) -> bool:
        return change_id not in self.pending

    def propagate(self) -> None:
        self.pending.clear()


@pytest.fixture
def database(plan: RecoveryPlan) -> FakeGlobalDatabase:
    return FakeGlobalDatabase(clusters=dict(plan.database.clusters), writer_region=plan.regions.primary)


@pytest.fixture
def lag() -> FakeReplicationLag:
    return FakeReplicationLag()


@pytest.fixture
def target_endpoints(plan: RecoveryPlan) -> FakeEndpoints:
    """The secondary's endpoints at their warm-standby capacity."""
    return FakeEndpoints(
        {
            e.name: EndpointState(e.name, "InService", e.standby_instances, e.standby_instances)
            for e in plan.inference.endpoints
        }
    )


@pytest.fixture
def autoscaling(plan: RecoveryPlan) -> FakeAutoscaling:
    return FakeAutoscaling({e.name: e.standby_instances for e in plan.inference.endpoints})


@pytest.fixture
def canary() -> FakeCanary:
    return FakeCanary()


@pytest.fixture
def records(plan: RecoveryPlan) -> FakeWeightedRecords:
    ids = plan.dns.set_identifiers
    return FakeWeightedRecords({ids[plan.regions.primary]: 100, ids[plan.regions.secondary]: 0})


def at(minute: int, second: int = 0) -> datetime:
    """A moment of the sample incident, which starts at 10:07 UTC."""
    return datetime(2026, 11, 27, 10, minute, second, tzinfo=UTC)


@pytest.fixture
def failover_run() -> Run:
    """An unplanned failover to us-west-2 whose first ALARM was at 10:07:00, planned a minute later."""
    return Run(
        incident_id="fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z",
        application="fraud-scoring",
        mode="unplanned",
        strategy="failover",
        source_region="us-east-1",
        target_region="us-west-2",
        detected_at=at(7),
        started_at=at(8),
        rpo_seconds=0.85,
        reason="alarm fraud-scoring-inference-5xx entered ALARM in us-east-1",
    )


@pytest.fixture
def verified_record(failover_run: Run) -> RecordInput:
    """Everything a successful run produced: prepare 5 s, database 65 s ∥ inference 360 s, DNS 60 s, verify 2 s."""
    return RecordInput(
        run=failover_run,
        preflight=Preflight(checks=[], started_at=at(8, 1), ended_at=at(8, 5)),
        promotion=(
            Poll(started_at=at(8, 5), attempt=2, done=True, ended_at=at(9, 10)),
            Poll(started_at=at(8, 5), attempt=1, done=True, ended_at=at(14, 5)),
        ),
        dns=Poll(started_at=at(14, 6), attempt=1, done=True, ended_at=at(15, 6), ref="/change/C1"),
        verification=Verification(
            writer_region="us-west-2",
            dns_region="us-west-2",
            weights={"fraud-scoring-usw2": 100, "fraud-scoring-use1": 0},
            canaries=[],
            started_at=at(15, 6),
            ended_at=at(15, 8),
        ),
    )
