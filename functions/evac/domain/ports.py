"""What the domain needs from AWS, as small protocols. ``evac.aws`` implements them; unit tests use fakes.

Reads that name a resource raise ``evac.errors.ResourceNotFoundError`` when it does not exist, and an ``EvacError``
(``AwsCallError``, ``RegionUnavailableError``...) when it cannot be read: readiness tells the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from datetime import datetime


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
    failure_reason: str | None = None  # set when the endpoint is Failed, or InService after an update that failed


@dataclass(frozen=True)
class Container:
    """One model container: its image and where its artifacts come from.

    ``model_data_url``: one S3 object (``ModelDataUrl``, or ``ModelDataSource`` of type ``S3Object``);
    ``data_source``: artifacts that are not one object (a ``ModelDataSource`` ``S3Prefix``: uncompressed files);
    ``unread``: what the container points at that was not read (e.g. a model package it could not describe).
    """

    image: str
    model_data_url: str | None
    data_source: str | None = None
    unread: str | None = None
    image_digest: str | None = None  # as a model package records it (ImageDigest), when it does


@dataclass(frozen=True)
class ModelPackage:
    """One version of a model package group: its approval and what it would deploy (DescribeModelPackage)."""

    version: int
    approval: str  # Approved, Rejected, PendingManualApproval
    created: datetime | None
    containers: tuple[Container, ...]


@dataclass(frozen=True)
class VariantSpec:
    name: str
    instance_type: str | None  # None for serverless variants
    instances: int
    model: str | None  # None: the variant hosts inference components (each with its own model)
    containers: tuple[Container, ...]


@dataclass(frozen=True)
class EndpointSpec:
    """An endpoint as deployed: its status, its endpoint configuration and the models behind each variant."""

    name: str
    status: str
    config_name: str
    variants: tuple[VariantSpec, ...]

    def variant(self, name: str) -> VariantSpec | None:
        return next((v for v in self.variants if v.name == name), None)

    def containers(self, variant: str) -> tuple[Container, ...]:
        """The containers of ``variant`` (none if the endpoint has no such variant)."""
        found = self.variant(variant)
        return found.containers if found else ()

    def container(self, variant: str, index: int) -> Container | None:
        """The ``index``-th container of ``variant``, if there is one: the same container in another region."""
        found = self.containers(variant)
        return found[index] if index < len(found) else None


@dataclass(frozen=True)
class LagReading:
    seconds: float
    metric: str


@dataclass(frozen=True)
class ReplicationRule:
    """One rule of a bucket's replication configuration, as far as what it replicates goes (S3 API reference,
    ``ReplicationRule``, ``ReplicationRuleFilter``, ``SourceSelectionCriteria``, ``Destination``)."""

    rule_id: str
    enabled: bool
    destination_bucket: str  # a bucket name, not an ARN
    metrics_enabled: bool = False
    prefix: str = ""  # Filter.Prefix / And.Prefix (or the V1 rule's Prefix): only keys starting with it
    tags: tuple[tuple[str, str], ...] = ()  # Filter.Tag / And.Tags: only objects carrying every one of them
    kms_objects: bool = False  # SourceSelectionCriteria.SseKmsEncryptedObjects Enabled: SSE-KMS objects replicate
    destination_partition: str = "aws"  # the partition of Destination.Bucket's ARN
    replica_kms_key: str | None = None  # EncryptionConfiguration.ReplicaKmsKeyID
    storage_class: str | None = None  # Destination.StorageClass (None: the source object's)
    priority: int = 0

    def covers(self, key: str, tags: dict[str, str] | None = None) -> bool | None:
        """Whether the rule's filter selects ``key``; None when it filters on tags that were not read."""
        if not key.startswith(self.prefix):
            return False
        if not self.tags:
            return True
        if tags is None:
            return None
        return all(tags.get(k) == v for k, v in self.tags)


@dataclass(frozen=True)
class BucketEncryption:
    """A bucket's default encryption: ``AES256`` (SSE-S3), ``aws:kms``, ``aws:kms:dsse``; its KMS key if any."""

    algorithm: str
    kms_key: str | None = None


@dataclass(frozen=True)
class StoredObject:
    """One object as HeadObject (with ``ChecksumMode=ENABLED``) describes it.

    The ETag is an MD5 of the data only for single-part objects stored in plaintext or with SSE-S3 (S3 API
    reference, ``Object``): ``etag_is_md5`` says when two ETags may be compared across buckets.
    """

    etag: str
    version_id: str | None = None
    replication_status: str | None = None  # PENDING, COMPLETED, FAILED (source), REPLICA (destination)
    checksum: str | None = None  # "<ALGORITHM>:<value>" of a FULL_OBJECT checksum (CRC32, CRC32C, SHA1, SHA256...)
    encryption: str | None = None  # ServerSideEncryption: AES256, aws:kms, aws:kms:dsse (None: plaintext or SSE-C)
    sse_customer: bool = False
    last_modified: datetime | None = None
    tags: dict[str, str] | None = None  # read only when a replication rule filters on tags

    @property
    def etag_is_md5(self) -> bool:
        multipart = "-" in self.etag
        return not multipart and not self.sse_customer and self.encryption in (None, "AES256")


@dataclass(frozen=True)
class RegistryReplication:
    """One destination of an ECR registry's replication rules, and the repository prefixes it is limited to."""

    region: str
    registry_id: str
    prefixes: tuple[str, ...] = ()  # empty: every repository

    def covers(self, repository: str) -> bool:
        return not self.prefixes or any(repository.startswith(p) for p in self.prefixes)


@dataclass(frozen=True)
class TableReplicas:
    status: str  # TableStatus in the region read
    replicas: dict[str, str] = field(default_factory=dict)  # region -> ReplicaStatus
    version: str = "2019.11.21"  # the global tables version whose API described the replicas


@dataclass(frozen=True)
class ScalableTarget:
    min_capacity: int
    max_capacity: int


@dataclass(frozen=True)
class Reachability:
    """Whether a region's API answered a probe; ``detail`` says what went wrong if anything did."""

    answers: bool
    detail: str = ""


@dataclass(frozen=True)
class PriorRun:
    """What the ledger knows of an earlier run for the same incident (a run to resume)."""

    incident_id: str
    outcome: str
    target_region: str | None
    strategy: str | None
    detected_at: datetime | None
    rpo_seconds: float | None


@dataclass(frozen=True)
class CanaryResult:
    """What one canary inference got back (``CanaryInvoker.invoke``), before it is judged."""

    ok: bool
    latency_ms: float
    detail: str


class GlobalDatabase(Protocol):
    def global_state(self, global_cluster: str) -> GlobalClusterState: ...
    def cluster_arn(self, cluster_id: str) -> str: ...
    def cluster_status(self, cluster_id: str) -> str: ...
    def switchover(self, global_cluster: str, target_cluster_arn: str) -> None: ...
    def failover(self, global_cluster: str, target_cluster_arn: str) -> None: ...


class ClusterStatuses(Protocol):
    def cluster_status(self, cluster_id: str) -> str: ...


class ReplicationLag(Protocol):
    def lag_seconds(self, cluster_id: str) -> float | None:
        """The latest lag, None if no data point; raises ``MetricUnavailableError`` if it cannot be read."""
        ...


class RunLedger(Protocol):
    def prior_run(self, incident_id: str) -> PriorRun | None: ...


class LagReadings(Protocol):
    def reading(self, cluster_id: str) -> LagReading | None: ...


class Endpoints(Protocol):
    def state(self, endpoint: str, variant: str) -> EndpointState | None: ...
    def statuses(self, names: list[str]) -> dict[str, str]: ...
    def set_instances(self, endpoint: str, variant: str, instances: int) -> None: ...


class EndpointSpecs(Protocol):
    def spec(self, endpoint: str) -> EndpointSpec: ...

    def instances_in_use(self, instance_type: str, *, excluding: set[str]) -> int:
        """Instances of ``instance_type`` the region's other endpoints (not in ``excluding``) run now."""
        ...


class CapacityFallback(Endpoints, Protocol):
    def use_instance_type(self, endpoint: str, variant: str, instance_type: str, instances: int) -> str:
        """Serve ``variant`` on ``instances`` x ``instance_type``: a copy of the endpoint's configuration with that
        type, then UpdateEndpoint to it; returns the new configuration's name."""
        ...


class Autoscaling(Protocol):
    def raise_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None: ...
    def set_min_capacity(self, endpoint: str, variant: str, minimum: int) -> None: ...


class ScalableTargets(Protocol):
    def scalable_target(self, endpoint: str, variant: str) -> ScalableTarget | None: ...


class ScalingRegistry(Autoscaling, ScalableTargets, Protocol):
    def scaling(self, endpoint: str, variant: str) -> dict[str, Any] | None:
        """The variant's limits and scaling policies, as ``resume`` takes them back; None if it is not registered."""
        ...

    def deregister(self, endpoint: str, variant: str) -> None:
        """Deregister the variant (SageMaker refuses to change the instance type of a scalable target), which
        deletes its scaling policies; nothing to do if it is not registered."""
        ...

    def resume(self, endpoint: str, variant: str, saved: dict[str, Any] | None, minimum: int) -> None: ...


class SavedScaling(Protocol):
    """Where a deregistered variant's autoscaling waits to be put back (the runs table): it outlives the step that
    deregistered it, so a step that dies in between loses nothing."""

    def save_scaling(self, endpoint: str, variant: str, saved: dict[str, Any], incident_id: str) -> None:
        """Keep ``saved`` unless an earlier save still waits to be put back (that one holds the policies)."""
        ...

    def saved_scaling(self, endpoint: str, variant: str) -> dict[str, Any] | None: ...
    def forget_scaling(self, endpoint: str, variant: str) -> None: ...


class ModelRegistry(Protocol):
    def packages(self, group: str) -> list[ModelPackage]:
        """The group's model packages, newest first, whatever their approval."""
        ...


class InstanceQuotas(Protocol):
    def endpoint_instances(self, instance_type: str) -> float | None:
        """The account's quota of ``instance_type`` instances for endpoints here; None if Service Quotas has none."""
        ...


class Buckets(Protocol):
    def versioning(self, bucket: str) -> str: ...
    def encryption(self, bucket: str) -> BucketEncryption | None: ...
    def replication_rules(self, bucket: str) -> list[ReplicationRule]: ...
    def stored(self, bucket: str, key: str) -> StoredObject | None: ...
    def object_tags(self, bucket: str, key: str) -> dict[str, str]: ...


class BucketReplicationMetrics(Protocol):
    def latency_seconds(self, source: str, destination: str, rule_id: str) -> float | None: ...


class Images(Protocol):
    def digest(self, image: str) -> str | None:
        """The digest ``image`` (a full ECR image URI, by tag or digest) resolves to; None if the image is missing."""
        ...

    def replication(self) -> list[RegistryReplication]: ...
    def repository_exists(self, repository: str) -> bool: ...


class ReplicatedTables(Protocol):
    def replicas(self, table: str) -> TableReplicas: ...


class RecordSets(Protocol):
    def health_checks(self, zone: str, name: str, record_type: str) -> dict[str, str | None]:
        """Set identifier -> the health check id of that record set (None if it has none)."""
        ...

    def health_check_exists(self, health_check_id: str) -> bool: ...


class CanaryInvoker(Protocol):
    def invoke(self, endpoint: str, body: str, content_type: str) -> CanaryResult: ...


class RecordWeights(Protocol):
    def weights(self, zone: str, name: str, record_type: str) -> dict[str, int]: ...
    def set_weights(self, zone: str, name: str, record_type: str, weights: dict[str, int]) -> str: ...
    def change_done(self, change_id: str) -> bool: ...


class TrafficSwitch(Protocol):
    """A data plane that moves all of an application's traffic from one region to the other without Route 53's
    control plane (a health-check switch or ARC routing controls)."""

    mechanism: str

    def switch(self, source: str, target: str) -> str:
        """Send every DNS answer to ``target``'s record set; returns what was done (idempotent)."""
        ...

    def switched(self, source: str, target: str) -> str | None:
        """None once the data plane answers ``target`` only; otherwise what still stands in the way."""
        ...


class Approvals(Protocol):
    """Where a run waiting for a person keeps its task token, and how it was answered (the run ledger)."""

    def request_approval(self, incident_id: str, token: str, requested_at: datetime, summary: str) -> None: ...
    def approval(self, incident_id: str) -> dict[str, str] | None:
        """The approval of ``incident_id`` (``status``: pending, approved, rejected or closed), None if none."""
        ...

    def get(self, incident_id: str) -> dict[str, Any] | None:
        """The run record of ``incident_id``, None if this ledger has none."""
        ...

    def close_approval(self, incident_id: str, status: str, by: str, at: datetime, comment: str) -> bool:
        """Mark a pending approval answered (or closed); False if it was no longer pending."""
        ...


class TaskClosedError(Exception):
    """The task no longer waits: it timed out, or was answered already."""


class TaskCallbacks(Protocol):
    """Answering a task that waits for a callback (``.waitForTaskToken``); both raise ``TaskClosedError`` when the
    task no longer waits."""

    def succeed(self, token: str, output: dict) -> None: ...
    def fail(self, token: str, error: str, cause: str) -> None: ...


class Notifications(Protocol):
    def publish(self, subject: str, message: str) -> None: ...
