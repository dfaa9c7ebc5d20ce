"""Everything readiness reads in one region (``RegionReads``), as the local cloud seeds a ready application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from evac.domain.ports import (
    Container,
    EndpointSpec,
    LagReading,
    RegistryReplication,
    ReplicationRule,
    ScalableTarget,
    StoredObject,
    TableReplicas,
    VariantSpec,
)
from evac.domain.readiness import RegionReads
from evac.errors import AwsCallError, RegionUnavailableError, ResourceNotFoundError
from tests.fakes import ACCOUNT

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan


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
