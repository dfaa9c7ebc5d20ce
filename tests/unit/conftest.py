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
from typing import TYPE_CHECKING, Any

import pytest

from evac.domain.models import Poll, Preflight, RecordInput, Run, TrafficStep, Verification
from evac.domain.ports import (
    CanaryResult,
    Container,
    EndpointSpec,
    EndpointState,
    GlobalClusterState,
    LagReading,
    PriorRun,
    RegistryReplication,
    ReplicationRule,
    ScalableTarget,
    StoredObject,
    TableReplicas,
    VariantSpec,
)
from evac.domain.readiness import RegionReads
from evac.errors import AwsCallError, MetricUnavailableError, RegionUnavailableError, ResourceNotFoundError

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
    refused: str | None = None  # why CloudWatch does not answer, if it does not
    transient: bool = False  # throttled or failing, rather than refusing

    def lag_seconds(self, cluster_id: str) -> float | None:
        if self.refused:
            raise MetricUnavailableError(self.refused, transient=self.transient)
        return self.seconds


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

    def suspend(self, endpoint: str, variant: str) -> dict[str, Any] | None:
        if endpoint not in self.floors:
            return None
        return {"min_capacity": self.floors.pop(endpoint), "policies": self.policies.pop(endpoint, [])}

    def resume(self, endpoint: str, variant: str, saved: dict[str, Any] | None, minimum: int) -> None:
        saved = saved or {}
        self.floors[endpoint] = max(minimum, saved.get("min_capacity", 0))
        self.policies[endpoint] = list(saved.get("policies", []))


@dataclass
class FakeRunLedger:
    """The runs the ledger holds, by incident id."""

    runs: dict[str, PriorRun] = field(default_factory=dict)

    def prior_run(self, incident_id: str) -> PriorRun | None:
        return self.runs.get(incident_id)


@dataclass
class FakeEndpoints:
    """SageMaker endpoints of one region: capacity changes take effect when ``finish_updates`` is called.

    An update that needs an instance type in ``no_capacity`` rolls back instead: InService at the old count with a
    FailureReason, as SageMaker does. Changing the instance type of a variant registered with ``scaling`` is refused.
    """

    endpoints: dict[str, EndpointState]
    instance_types: dict[str, str] = field(default_factory=dict)  # endpoint -> the type it serves on
    no_capacity: set[str] = field(default_factory=set)
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
                    name, "InService", state.instances, state.instances, INSUFFICIENT_CAPACITY
                )
                continue
            self.instance_types[name] = instance_type
            self.endpoints[name] = EndpointState(name, "InService", state.desired_instances, state.desired_instances)


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
def autoscaling(plan: RecoveryPlan) -> FakeAutoscaling:
    return FakeAutoscaling({e.name: e.standby_instances for e in plan.inference.endpoints})


@pytest.fixture
def target_endpoints(plan: RecoveryPlan, autoscaling: FakeAutoscaling) -> FakeEndpoints:
    """The secondary's endpoints at their warm-standby capacity, on the plan's instance types."""
    return FakeEndpoints(
        {
            e.name: EndpointState(e.name, "InService", e.standby_instances, e.standby_instances)
            for e in plan.inference.endpoints
        },
        instance_types={e.name: e.instance_type for e in plan.inference.endpoints},
        scaling=autoscaling,
    )


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
        predicted_rto_seconds=420.0,
        endpoints=["fraud-scoring-xgb"],
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
            [Poll(started_at=at(8, 5), attempt=1, done=True, ended_at=at(14, 5), ref="fraud-scoring-xgb")],
        ),
        dns=Poll(started_at=at(14, 6), attempt=1, done=True, ended_at=at(15, 6), ref="/change/C1"),
        verification=Verification(
            writer_region="us-west-2",
            dns_region="us-west-2",
            weights={"fraud-scoring-usw2": 100, "fraud-scoring-use1": 0},
            canaries=[],
            started_at=at(15, 6),
            ended_at=at(15, 8),
            steps=[
                TrafficStep(
                    weight=100, capacity=100, shifted_at=at(14, 6), insync_at=at(15, 6), verified_at=at(15, 8)
                )
            ],
        ),
    )


@pytest.fixture
def ramped_record(verified_record: RecordInput) -> RecordInput:
    """A run whose traffic followed capacity: the warm standby took 25% once the database was promoted (10:09:10),
    then 50, 75 and 100% as the new instances came into service; the endpoint poll never finished (nothing waited)."""
    database, endpoints = verified_record.promotion or (None, [])
    assert database is not None
    ramp = [(25, (9, 11), (10, 11), (10, 13)), (50, (12, 15), (13, 15), (13, 17)), (75, (13, 20), (14, 20), (14, 22))]
    ramp += [(100, (14, 25), (15, 25), (15, 27))]
    steps = [
        TrafficStep(weight=w, capacity=w, shifted_at=at(*shifted), insync_at=at(*insync), verified_at=at(*verified))
        for w, shifted, insync, verified in ramp
    ]
    unfinished = [endpoints[0].model_copy(update={"done": False, "ended_at": None})]
    assert verified_record.verification is not None
    return verified_record.model_copy(
        update={
            "promotion": (database, unfinished),
            "verification": verified_record.verification.model_copy(
                update={"steps": steps, "started_at": at(15, 25), "ended_at": at(15, 27)}
            ),
        }
    )
# --- readiness --------------------------------------------------------------------------------------------------------
IMAGE = "123456789012.dkr.ecr.{region}.amazonaws.com/fraud-scoring-xgb:1.7-1"
DIGEST = "sha256:" + "ab" * 32
ARTIFACT_KEY = "fraud-scoring-xgb/model.tar.gz"


@dataclass
class FakeRegion:
    """Everything readiness reads in one region, as a well-run application has it (``fake_region``).

    ``down``: the region does not answer (every read raises RegionUnavailableError, counted in ``reads``);
    ``denied``: reads by that method name raise AwsCallError (AccessDenied). Missing names raise
    ResourceNotFoundError, as the adapters do.
    """

    region: str
    cluster_statuses: dict[str, str] = field(default_factory=dict)
    lag: LagReading | None = None
    specs: dict[str, EndpointSpec] = field(default_factory=dict)
    scalable: dict[str, ScalableTarget] = field(default_factory=dict)
    approved: dict[str, list[int]] = field(default_factory=dict)
    quotas: dict[str, float] = field(default_factory=dict)
    bucket_versioning: dict[str, str] = field(default_factory=dict)
    bucket_encryption: dict[str, str | None] = field(default_factory=dict)
    rules: dict[str, list[ReplicationRule]] = field(default_factory=dict)
    objects: dict[tuple[str, str], StoredObject] = field(default_factory=dict)
    latencies: dict[tuple[str, str, str], float] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # image URI -> digest
    repositories: set[str] = field(default_factory=set)
    destinations: list[RegistryReplication] = field(default_factory=list)
    tables: dict[str, TableReplicas] = field(default_factory=dict)
    down: bool = False
    denied: set[str] = field(default_factory=set)
    reads: int = 0

    def _read(self, method: str) -> None:
        self.reads += 1
        if self.down:
            raise RegionUnavailableError(f"{self.region} did not answer {method}")
        if method in self.denied:
            raise AwsCallError(f"{method} failed: AccessDenied")

    def reads_as(self) -> RegionReads:
        return RegionReads(
            region=self.region,
            database=self,
            lag=self,
            endpoints=self,
            scaling=self,
            registry=self,
            quotas=self,
            buckets=self,
            bucket_metrics=self,
            images=self,
            tables=self,
        )

    def cluster_status(self, cluster_id: str) -> str:
        self._read("cluster_status")
        if cluster_id not in self.cluster_statuses:
            raise ResourceNotFoundError(f"cluster {cluster_id} does not exist in {self.region}")
        return self.cluster_statuses[cluster_id]

    def reading(self, cluster_id: str) -> LagReading | None:
        self._read("reading")
        return self.lag

    def spec(self, endpoint: str) -> EndpointSpec:
        self._read("spec")
        if endpoint not in self.specs:
            raise ResourceNotFoundError(f"endpoint {endpoint} does not exist in {self.region}")
        return self.specs[endpoint]

    def scalable_target(self, endpoint: str, variant: str) -> ScalableTarget | None:
        self._read("scalable_target")
        return self.scalable.get(endpoint)

    def approved_versions(self, group: str) -> list[int]:
        self._read("approved_versions")
        if group not in self.approved:
            raise ResourceNotFoundError(f"model package group {group} does not exist in {self.region}")
        return self.approved[group]

    def endpoint_instances(self, instance_type: str) -> float | None:
        self._read("endpoint_instances")
        return self.quotas.get(instance_type)

    def _bucket(self, bucket: str) -> None:
        if bucket not in self.bucket_versioning:
            raise ResourceNotFoundError(f"bucket {bucket} does not exist ({self.region})")

    def versioning(self, bucket: str) -> str:
        self._read("versioning")
        self._bucket(bucket)
        return self.bucket_versioning[bucket]

    def encryption(self, bucket: str) -> str | None:
        self._read("encryption")
        self._bucket(bucket)
        return self.bucket_encryption.get(bucket)

    def replication_rules(self, bucket: str) -> list[ReplicationRule]:
        self._read("replication_rules")
        self._bucket(bucket)
        return self.rules.get(bucket, [])

    def stored(self, bucket: str, key: str) -> StoredObject | None:
        self._read("stored")
        self._bucket(bucket)
        return self.objects.get((bucket, key))

    def latency_seconds(self, source: str, destination: str, rule_id: str) -> float | None:
        self._read("latency_seconds")
        return self.latencies.get((source, destination, rule_id))

    def digest(self, image: str) -> str | None:
        self._read("digest")
        repository = image.split("/", 1)[1].split(":", 1)[0]
        if repository not in self.repositories:
            raise ResourceNotFoundError(f"repository {repository} does not exist in {self.region}")
        return self.images.get(image)

    def replication(self) -> list[RegistryReplication]:
        self._read("replication")
        return self.destinations

    def repository_exists(self, repository: str) -> bool:
        self._read("repository_exists")
        return repository in self.repositories

    def replicas(self, table: str) -> TableReplicas:
        self._read("replicas")
        if table not in self.tables:
            raise ResourceNotFoundError(f"table {table} does not exist in {self.region}")
        return self.tables[table]


def fake_region(plan: RecoveryPlan, region: str) -> FakeRegion:
    """``region`` of the bundled plan's application as the local cloud seeds it: ready, replicating to its peer."""
    peer = plan.peer(region)
    serving = region == plan.regions.primary
    fake = FakeRegion(region, cluster_statuses={plan.database.clusters[region]: "available"})
    fake.lag = LagReading(0.85, "AuroraGlobalDBRPOLag")
    for endpoint in plan.inference.endpoints:
        models = next(b for b in plan.readiness.buckets if b.purpose == "model-artifacts").names[region]
        container = Container(IMAGE.format(region=region), f"s3://{models}/{ARTIFACT_KEY}")
        instances = endpoint.active_instances if serving else endpoint.standby_instances
        variant = VariantSpec(endpoint.variant, endpoint.instance_type, instances, endpoint.name, (container,))
        fake.specs[endpoint.name] = EndpointSpec(endpoint.name, "InService", f"{endpoint.name}-config", (variant,))
        fake.scalable[endpoint.name] = ScalableTarget(instances, endpoint.active_instances * 2)
        fake.quotas[endpoint.instance_type] = endpoint.active_instances * 2
        fake.objects[(models, ARTIFACT_KEY)] = StoredObject("etag-model-v1")
        fake.images[container.image] = DIGEST
    if plan.readiness.model_package_group:
        fake.approved[plan.readiness.model_package_group] = [1, 2]
    for entry in plan.readiness.buckets:
        bucket = entry.names[region]
        fake.bucket_versioning[bucket] = "Enabled"
        fake.bucket_encryption[bucket] = "aws:kms"
        if serving:
            rule = f"{entry.purpose}-to-{peer}"
            fake.rules[bucket] = [ReplicationRule(rule, enabled=True, destination_bucket=entry.names[peer])]
            fake.latencies[(bucket, entry.names[peer], rule)] = 12.0
    fake.repositories = set(plan.readiness.ecr_repositories)
    if serving:
        fake.destinations = [RegistryReplication(peer, ACCOUNT, (plan.application,))]
    for table in plan.readiness.feature_store_tables:
        fake.tables[table] = TableReplicas("ACTIVE", {peer: "ACTIVE"})
    return fake


@dataclass
class FakeRecordSets:
    health_check_ids: dict[str, str | None]
    existing_health_checks: set[str]

    def health_checks(self, zone: str, name: str, record_type: str) -> dict[str, str | None]:
        return dict(self.health_check_ids)

    def health_check_exists(self, health_check_id: str) -> bool:
        return health_check_id in self.existing_health_checks


@pytest.fixture
def primary(plan: RecoveryPlan) -> FakeRegion:
    return fake_region(plan, plan.regions.primary)


@pytest.fixture
def secondary(plan: RecoveryPlan) -> FakeRegion:
    return fake_region(plan, plan.regions.secondary)


@pytest.fixture
def record_sets(plan: RecoveryPlan) -> FakeRecordSets:
    ids = {set_id: f"hc-{set_id}" for set_id in plan.dns.set_identifiers.values()}
    return FakeRecordSets(dict(ids), {i for i in ids.values() if i})
