"""Everything readiness reads in one region (``RegionReads``), as the local cloud seeds a ready application."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from evac.domain.ports import (
    BucketEncryption,
    Container,
    EndpointSpec,
    LagReading,
    ModelPackage,
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
ARTIFACT_VERSION = "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd"  # a replica keeps its source's version id
PACKAGED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
# DynamoDB global tables replicate an item "usually within a second" (Global tables: how it works)
TABLE_LATENCY_SECONDS = 0.8
WRITTEN_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


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
    packages_by_group: dict[str, list[ModelPackage]] = field(default_factory=dict)
    quotas: dict[str, float] = field(default_factory=dict)
    in_use: dict[str, dict[str, int]] = field(default_factory=dict)  # other endpoint -> instance type -> instances
    bucket_versioning: dict[str, str] = field(default_factory=dict)
    bucket_encryption: dict[str, BucketEncryption | None] = field(default_factory=dict)
    rules: dict[str, list[ReplicationRule]] = field(default_factory=dict)
    objects: dict[tuple[str, str], StoredObject] = field(default_factory=dict)
    latencies: dict[tuple[str, str, str], float] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # image URI -> digest
    repositories: set[str] = field(default_factory=set)
    destinations: list[RegistryReplication] = field(default_factory=list)
    tables: dict[str, TableReplicas] = field(default_factory=dict)
    table_latencies: dict[str, float] = field(default_factory=dict)  # table -> ReplicationLatency to the peer, s
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
            table_metrics=self,
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

    def instances_in_use(self, instance_type: str, *, excluding: set[str]) -> int:
        self._read("instances_in_use")
        return sum(t.get(instance_type, 0) for name, t in self.in_use.items() if name not in excluding)

    def packages(self, group: str) -> list[ModelPackage]:
        self._read("packages")
        if group not in self.packages_by_group:
            raise ResourceNotFoundError(f"model package group {group} does not exist in {self.region}")
        return self.packages_by_group[group]

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

    def encryption(self, bucket: str) -> BucketEncryption | None:
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

    def object_tags(self, bucket: str, key: str) -> dict[str, str]:
        self._read("object_tags")
        found = self.objects.get((bucket, key))
        return dict(found.tags or {}) if found else {}

    def latency_seconds(self, source: str, destination: str, rule_id: str) -> float | None:
        self._read("latency_seconds")
        return self.latencies.get((source, destination, rule_id))

    def replication_latency(self, table: str, receiving_region: str) -> float | None:
        self._read("replication_latency")
        return self.table_latencies.get(table)

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
        # SSE-KMS: each bucket's copy has its own ETag (not an MD5); the replica keeps the source's version id
        fake.objects[(models, ARTIFACT_KEY)] = StoredObject(
            f"etag-kms-{region}",
            version_id=ARTIFACT_VERSION,
            replication_status="COMPLETED" if serving else "REPLICA",
            encryption="aws:kms",
            last_modified=WRITTEN_AT,
        )
        fake.images[container.image] = DIGEST
    if group := plan.readiness.model_package_group:
        models = next(b for b in plan.readiness.buckets if b.purpose == "model-artifacts").names[region]
        content = (Container(IMAGE.format(region=region), f"s3://{models}/{ARTIFACT_KEY}", image_digest=DIGEST),)
        # versions count up per region: the same model is version 2 in the primary, 1 in the secondary
        fake.packages_by_group[group] = [ModelPackage(2 if serving else 1, "Approved", PACKAGED_AT, content)]
    for entry in plan.readiness.buckets:
        bucket = entry.names[region]
        fake.bucket_versioning[bucket] = "Enabled"
        fake.bucket_encryption[bucket] = BucketEncryption(
            "aws:kms", f"arn:aws:kms:{region}:{ACCOUNT}:alias/evac-models"
        )
        if serving:
            rule = f"{entry.purpose}-to-{peer}"
            replica_key = f"arn:aws:kms:{peer}:{ACCOUNT}:alias/evac-models"
            fake.rules[bucket] = [
                ReplicationRule(
                    rule,
                    enabled=True,
                    destination_bucket=entry.names[peer],
                    kms_objects=True,
                    replica_kms_key=replica_key,
                )
            ]
            fake.latencies[(bucket, entry.names[peer], rule)] = 12.0
    fake.repositories = set(plan.readiness.ecr_repositories)
    if serving:
        fake.destinations = [RegistryReplication(peer, ACCOUNT, (plan.application,))]
    for table in plan.readiness.feature_store_tables:
        fake.tables[table] = TableReplicas("ACTIVE", {peer: "ACTIVE"})
        fake.table_latencies[table] = TABLE_LATENCY_SECONDS
    return fake
