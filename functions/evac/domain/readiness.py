"""Readiness: can the target region serve the model the way the source region does, right now?

A failover to a region whose model artifacts never replicated is a failover to nothing, so readiness looks past the
database at what serving the model takes: the endpoint and its configuration, the artifacts and the image it loads,
the registry, the feature store, the capacity it may scale to, and the DNS records that send it traffic.

Each check has a name (``service.check``), a status (``pass``, ``fail``, or ``unknown`` when it could not be read: an
unreadable thing is never a pass), a severity (``critical``: the target cannot serve the model as the source does;
``warning``: protection is eroding or data loss may exceed the budget), the evidence it read and what to do about it.
A resource the plan names that does not exist is a failed check naming it, never a crash.

Reads of the source region go through ``_Source``: once that region fails to answer (it may be the region that
failed), later source reads are ``unknown`` at once, so an outage costs one bounded timeout (principle 1).

Example::

    report = assess(plan, source=RegionReads(...), target=RegionReads(...), records=WeightedRecords())
    report.ready, [c.name for c in report.blocking]
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar

from evac import clock
from evac.domain.fanout import each
from evac.domain.models import Readiness, ReadinessCheck
from evac.errors import AwsTransientError, EvacError, RegionUnavailableError, ResourceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from evac.domain.models import CheckStatus, Severity
    from evac.domain.plan import Endpoint, RecoveryPlan, ReplicatedBucket
    from evac.domain.ports import (
        BucketReplicationMetrics,
        Buckets,
        ClusterStatuses,
        EndpointSpec,
        EndpointSpecs,
        GlobalTables,
        Images,
        InstanceQuotas,
        LagReadings,
        ModelRegistry,
        RecordSets,
        RegistryReplication,
        ScalableTargets,
    )

T = TypeVar("T")

_S3_URL = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")
_ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/")


@dataclass(frozen=True)
class RegionReads:
    """Everything readiness reads in one region, as the domain's ports."""

    region: str
    database: ClusterStatuses
    lag: LagReadings
    endpoints: EndpointSpecs
    scaling: ScalableTargets
    registry: ModelRegistry
    quotas: InstanceQuotas
    buckets: Buckets
    bucket_metrics: BucketReplicationMetrics
    images: Images
    tables: GlobalTables


@dataclass(frozen=True)
class Finding:
    status: CheckStatus
    evidence: str
    severity: Severity | None = None  # overrides the check's severity (e.g. an unknown quota is only a warning)


class _UnreadableError(EvacError):
    """What readiness needed from the source region is not there to read (it did not answer, or is missing)."""


class _Source:
    """Reads of the source region, which may be the region that failed: the first time it does not answer (a
    timeout, a 5xx), every later read is unknown without another call."""

    def __init__(self, reads: RegionReads) -> None:
        self.reads = reads
        self.down: str | None = None

    def __call__(self, read: Callable[[], T]) -> T:
        if self.down is not None:
            raise _UnreadableError(f"{self.reads.region} did not answer an earlier read ({self.down})")
        try:
            return read()
        except (RegionUnavailableError, AwsTransientError) as exc:
            self.down = str(exc)
            raise


def assess(
    plan: RecoveryPlan,
    *,
    source: RegionReads,
    target: RegionReads,
    records: RecordSets,
) -> Readiness:
    """Every readiness check of ``plan`` for a failover from ``source.region`` to ``target.region``."""
    source, target = _sharing_images(source), _sharing_images(target)
    from_source = _Source(source)
    checks = [
        *_database(plan, target),
        *_endpoints(plan, from_source, target),
        *_quotas(plan, target),
        *_model_packages(plan, from_source, target),
        *_buckets(plan, from_source, target),
        *_tables(plan, source.region, target),
        *_repositories(plan, from_source, target),
        *_dns(plan, records),
    ]
    return Readiness(
        ready=all(c.status == "pass" for c in checks if c.severity == "critical"),
        application=plan.application,
        source_region=source.region,
        target_region=target.region,
        checked_at=clock.now(),
        checks=checks,
    )


def check(
    name: str, severity: Severity, resource: str, remediation: str, probe: Callable[[], Finding]
) -> ReadinessCheck:
    """Run one probe: a missing resource is a failed check naming it; anything unreadable is unknown.

    >>> check("s3.versioning", "warning", "b", "turn it on", lambda: Finding("pass", "Enabled")).status
    'pass'
    """
    try:
        found = probe()
    except ResourceNotFoundError as exc:
        found = Finding("fail", str(exc))
    except EvacError as exc:
        found = Finding("unknown", f"could not be read: {exc}")
    return ReadinessCheck(
        name=name,
        status=found.status,
        severity=found.severity or severity,
        resource=resource,
        evidence=found.evidence,
        remediation=remediation if found.status != "pass" else "",
    )


# --- Aurora -----------------------------------------------------------------------------------------------------------
def _database(plan: RecoveryPlan, target: RegionReads) -> Iterator[ReadinessCheck]:
    cluster = plan.database.clusters[target.region]

    def available() -> Finding:
        status = target.database.cluster_status(cluster)
        return Finding("pass" if status == "available" else "fail", f"{cluster} is {status}")

    def lag() -> Finding:
        reading = target.lag.reading(cluster)
        if reading is None:
            return Finding("unknown", f"no AuroraGlobalDBRPOLag or AuroraGlobalDBReplicationLag for {cluster}")
        within = reading.seconds <= plan.rpo_budget_seconds
        return Finding(
            "pass" if within else "fail",
            f"{reading.metric} {reading.seconds:g} s, budget {plan.rpo_budget_seconds} s",
        )

    yield check(
        "rds.cluster_available",
        "critical",
        cluster,
        f"Repair {cluster} in {target.region} or wait until it is available: a failover to it would fail.",
        available,
    )
    yield check(
        "rds.replication_lag",
        "warning",
        cluster,
        "Find what slows replication (write bursts, long transactions, an undersized secondary); a failover now "
        "would lose more writes than rpo_budget_seconds allows. Missing data: check the cluster is a global "
        "secondary and that CloudWatch is readable.",
        lag,
    )


# --- SageMaker, S3 artifacts, ECR images: what each endpoint serves ---------------------------------------------------
def _endpoints(plan: RecoveryPlan, source: _Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    """Every endpoint's checks, several endpoints at once (their reads are independent): preflight takes about as
    long with fifty endpoints as with one."""
    for checks in each(lambda e: list(_endpoint(plan, e, source, target)), plan.inference.endpoints):
        yield from checks


def _endpoint(plan: RecoveryPlan, endpoint: Endpoint, source: _Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    deployed = _Once(lambda: target.endpoints.spec(endpoint.name))
    primary = _Once(lambda: _primary_spec(source, endpoint.name))

    def in_service() -> Finding:
        spec = deployed()
        variant = spec.variant(endpoint.variant)
        shape = f" with {variant.instances} x {variant.instance_type}" if variant else f", no {endpoint.variant}"
        ok = spec.status == "InService" and variant is not None
        return Finding("pass" if ok else "fail", f"{endpoint.name} is {spec.status}{shape}")

    yield check(
        "sagemaker.endpoint_in_service",
        "critical",
        endpoint.name,
        f"Deploy {endpoint.name} in {target.region} with variant {endpoint.variant} (standby capacity) and wait for "
        "InService.",
        in_service,
    )
    spec = deployed.value
    if spec is None:
        return  # nothing deployed to compare: the check above did not pass
    yield check(
        "sagemaker.config_parity",
        "critical",
        endpoint.name,
        f"Deploy the primary's model (same artifacts, same image) on {endpoint.variant} in {target.region}, on "
        f"{endpoint.instance_type} or a type in fallback_instance_types.",
        lambda: _parity(plan, endpoint, primary, spec, source.reads.region),
    )
    yield from _artifacts(endpoint, source, primary, spec, target)
    yield from _images(endpoint, source, primary, spec, target)
    yield check(
        "sagemaker.autoscaling",
        "warning",
        endpoint.name,
        f"Register {endpoint.variant} with Application Auto Scaling in {target.region} with MaxCapacity of at least "
        f"{endpoint.active_instances} (the runbook raises MinCapacity; policies are yours).",
        lambda: _autoscaling(endpoint, target),
    )


def _sharing_images(reads: RegionReads) -> RegionReads:
    """``reads`` resolving each image once per assessment: endpoints often serve the same image."""
    return replace(reads, images=_SharedDigests(reads.images))


class _SharedDigests:
    """An ``Images`` port that resolves each image once, however many endpoints (threads) ask."""

    def __init__(self, images: Images) -> None:
        self._images = images
        self._digests: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def digest(self, image: str) -> str | None:
        with self._lock:
            if image in self._digests:
                return self._digests[image]
        found = self._images.digest(image)
        with self._lock:
            self._digests[image] = found
        return found

    def replication(self) -> list[RegistryReplication]:
        return self._images.replication()

    def repository_exists(self, repository: str) -> bool:
        return self._images.repository_exists(repository)


class _Once(Generic[T]):
    """A read done at most once, when a check first needs it; ``value`` is None until it succeeded."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self.value: T | None = None

    def __call__(self) -> T:
        if self.value is None:
            self.value = self._read()
        return self.value


def _primary_spec(source: _Source, endpoint: str) -> EndpointSpec:
    try:
        return source(lambda: source.reads.endpoints.spec(endpoint))
    except ResourceNotFoundError as exc:  # nothing to compare with: unknown, not a failure of the target
        raise _UnreadableError(f"the primary's {exc}") from exc


def _parity(
    plan: RecoveryPlan, endpoint: Endpoint, source_spec: Callable[[], EndpointSpec], spec: EndpointSpec, source: str
) -> Finding:
    target_variant = spec.variant(endpoint.variant)
    if target_variant is None:
        return Finding("fail", f"{endpoint.name} has no variant {endpoint.variant}")
    problems: list[str] = []
    if target_variant.instance_type not in endpoint.instance_types:
        problems.append(
            f"instance type {target_variant.instance_type} is neither {endpoint.instance_type} nor a fallback"
        )
    primary = source_spec().variant(endpoint.variant)
    if primary is None:
        return Finding("unknown", f"{endpoint.name} in {source} has no variant {endpoint.variant} to compare with")
    ours = [(_image_path(c.image), _artifact_key(plan, c.model_data_url)) for c in target_variant.containers]
    theirs = [(_image_path(c.image), _artifact_key(plan, c.model_data_url)) for c in primary.containers]
    if ours != theirs:
        problems.append(f"containers {_describe(ours)} differ from {source}'s {_describe(theirs)}")
    if problems:
        return Finding("fail", "; ".join(problems))
    return Finding(
        "pass",
        f"{endpoint.variant}: {target_variant.instance_type} (primary {primary.instance_type}), "
        f"containers {_describe(ours)} as in {source}",
    )


def _describe(containers: list[tuple[str, str | None]]) -> str:
    return ", ".join(f"{image} + {artifact or 'no artifacts'}" for image, artifact in containers)


def _artifacts(
    endpoint: Endpoint,
    source: _Source,
    source_spec: Callable[[], EndpointSpec],
    spec: EndpointSpec,
    target: RegionReads,
) -> Iterator[ReadinessCheck]:
    variant = spec.variant(endpoint.variant)
    for index, container in enumerate(variant.containers if variant else ()):
        url = container.model_data_url
        if url is None or not (found := _S3_URL.match(url)):
            continue

        def present(index: int = index, bucket: str = found["bucket"], key: str = found["key"]) -> Finding:
            here = target.buckets.stored(bucket, key)
            if here is None:
                return Finding("fail", f"s3://{bucket}/{key} does not exist in {target.region}")
            primary = source_spec().variant(endpoint.variant)
            theirs = primary.containers[index].model_data_url if primary and index < len(primary.containers) else None
            if theirs is None or not (their := _S3_URL.match(theirs)):
                return Finding("unknown", "present; the primary's artifact is unknown")
            there = source(lambda: source.reads.buckets.stored(their["bucket"], their["key"]))
            if there is None:
                return Finding("unknown", f"present; the primary's {theirs} is missing to compare with")
            if there.etag != here.etag:
                return Finding("fail", f"ETag {here.etag} differs from the primary's {theirs} (ETag {there.etag})")
            return Finding("pass", f"ETag {here.etag}, as the primary's {theirs}")

        yield check(
            "s3.model_artifact",
            "critical",
            url,
            f"Replicate the primary's model artifact to {url} (S3 Replication, or S3 Batch Replication for objects "
            "written before the rule existed).",
            present,
        )


def _images(
    endpoint: Endpoint,
    source: _Source,
    source_spec: Callable[[], EndpointSpec],
    spec: EndpointSpec,
    target: RegionReads,
) -> Iterator[ReadinessCheck]:
    variant = spec.variant(endpoint.variant)
    for index, container in enumerate(variant.containers if variant else ()):
        image = container.image
        if not _ECR_HOST.match(image):
            continue

        def present(index: int = index, image: str = image) -> Finding:
            registry_region = _ECR_HOST.match(image)["region"]  # type: ignore[index]  # matched above
            if registry_region != target.region:
                return Finding("fail", f"{image} is pulled from {registry_region}'s registry, not {target.region}'s")
            digest = target.images.digest(image)
            if digest is None:
                return Finding("fail", f"{image} does not exist in {target.region}")
            primary = source_spec().variant(endpoint.variant)
            theirs = primary.containers[index].image if primary and index < len(primary.containers) else None
            if theirs is None:
                return Finding("unknown", f"resolves to {digest}; the primary's image is unknown")
            their_digest = source(lambda: source.reads.images.digest(theirs)) if _ECR_HOST.match(theirs) else None
            if their_digest is None:
                return Finding("unknown", f"resolves to {digest}; the primary's {theirs} could not be resolved")
            if their_digest != digest:
                return Finding("fail", f"resolves to {digest}, the primary serves {their_digest}")
            return Finding("pass", f"resolves to {digest}, as in the primary")

        yield check(
            "ecr.image_present",
            "critical",
            image,
            f"Replicate the image to {target.region} (ECR replication) or push it there, with the primary's digest.",
            present,
        )


def _autoscaling(endpoint: Endpoint, target: RegionReads) -> Finding:
    registered = target.scaling.scalable_target(endpoint.name, endpoint.variant)
    if registered is None:
        return Finding("fail", f"{endpoint.name}/{endpoint.variant} is not a scalable target")
    shape = f"MinCapacity {registered.min_capacity}, MaxCapacity {registered.max_capacity}"
    if registered.max_capacity < endpoint.active_instances:
        return Finding("fail", f"{shape}: cannot reach {endpoint.active_instances}")
    return Finding("pass", shape)


# --- Service Quotas ---------------------------------------------------------------------------------------------------
def _quotas(plan: RecoveryPlan, target: RegionReads) -> Iterator[ReadinessCheck]:
    needed: dict[str, int] = {}
    for endpoint in plan.inference.endpoints:
        needed[endpoint.instance_type] = needed.get(endpoint.instance_type, 0) + endpoint.active_instances
    for instance_type, instances in needed.items():
        yield check(
            "servicequotas.instance_quota",
            "critical",
            instance_type,
            f"Request an increase of '{instance_type} for endpoint usage' to at least {instances} in {target.region} "
            "(Service Quotas); increases take days, so ask before you need them.",
            partial(_quota, target, instance_type, instances),
        )


def _quota(target: RegionReads, instance_type: str, instances: int) -> Finding:
    """Below the plan's capacity fails; a quota that cannot be read is an unknown warning, never a blocker."""
    try:
        quota = target.quotas.endpoint_instances(instance_type)
    except EvacError as exc:
        return Finding("unknown", f"could not be read: {exc}", severity="warning")
    if quota is None:
        return Finding("unknown", f"Service Quotas has no {instance_type} endpoint quota", severity="warning")
    verdict: CheckStatus = "pass" if quota >= instances else "fail"
    return Finding(verdict, f"{instance_type} endpoint quota is {quota:g}, the plan needs {instances}")


# --- Model registry ---------------------------------------------------------------------------------------------------
def _model_packages(plan: RecoveryPlan, source: _Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    group = plan.readiness.model_package_group
    if group is None:
        return

    def versions() -> Finding:
        ours = target.registry.approved_versions(group)
        if not ours:
            return Finding("fail", f"{group} has no approved model package in {target.region}")
        theirs = source(lambda: source.reads.registry.approved_versions(group))
        if missing := sorted(set(theirs) - set(ours)):
            return Finding("fail", f"approved versions {missing} of {group} are missing in {target.region}")
        return Finding("pass", f"approved versions {sorted(ours)} in {target.region}; {sorted(theirs)} in the primary")

    yield check(
        "sagemaker.model_packages",
        "warning",
        group,
        f"Copy the primary's approved model packages into {group} in {target.region} (your model pipeline's "
        "cross-region step), so a rollback or redeploy there finds them.",
        versions,
    )


# --- S3 ---------------------------------------------------------------------------------------------------------------
def _buckets(plan: RecoveryPlan, source: _Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    for entry in plan.readiness.buckets:
        replica = entry.names[target.region]
        yield check(
            "s3.versioning",
            "warning",
            replica,
            f"Enable versioning on {replica}: S3 Replication needs it on both buckets.",
            partial(_versioning, target, replica),
        )
        yield check(
            "s3.encryption",
            "warning",
            replica,
            f"Enable default encryption on {replica} (SSE-KMS with a multi-Region key keeps replicas readable).",
            partial(_encryption, target, replica),
        )
        yield check(
            "s3.replication",
            "warning",
            entry.names[source.reads.region],
            f"Add an enabled replication rule from {entry.names[source.reads.region]} to {replica} (with "
            "Replication Time Control and metrics, so its latency can be watched).",
            partial(_replication, entry, source, target.region),
        )
        yield check(
            "s3.replication_latency",
            "warning",
            entry.names[source.reads.region],
            f"Enable replication metrics (or RTC) on the rule to {replica}, and find what delays it if it is late.",
            partial(_replication_latency, plan, entry, source, target.region),
        )


def _versioning(target: RegionReads, bucket: str) -> Finding:
    status = target.buckets.versioning(bucket)
    return Finding("pass" if status == "Enabled" else "fail", f"{bucket} versioning is {status}")


def _encryption(target: RegionReads, bucket: str) -> Finding:
    algorithm = target.buckets.encryption(bucket)
    if algorithm is None:
        return Finding("fail", f"{bucket} has no default encryption")
    return Finding("pass", f"{bucket} encrypts with {algorithm}")


def _rule_to(entry: ReplicatedBucket, source: _Source, target_region: str) -> Finding | tuple[str, str]:
    bucket, replica = entry.names[source.reads.region], entry.names[target_region]
    rules = source(lambda: source.reads.buckets.replication_rules(bucket))
    to_replica = [r for r in rules if r.destination_bucket == replica]
    enabled = next((r for r in to_replica if r.enabled), None)
    if enabled is None:
        state = "a disabled rule" if to_replica else "no rule"
        return Finding("fail", f"{bucket} has {state} replicating to {replica}")
    return enabled.rule_id, replica


def _replication(entry: ReplicatedBucket, source: _Source, target_region: str) -> Finding:
    found = _rule_to(entry, source, target_region)
    if isinstance(found, Finding):
        return found
    rule_id, replica = found
    return Finding("pass", f"rule {rule_id} replicates {entry.names[source.reads.region]} to {replica}")


def _replication_latency(plan: RecoveryPlan, entry: ReplicatedBucket, source: _Source, target_region: str) -> Finding:
    found = _rule_to(entry, source, target_region)
    if isinstance(found, Finding):
        return Finding("unknown", f"no latency to read: {found.evidence}")
    rule_id, replica = found
    bucket = entry.names[source.reads.region]
    latency = source(lambda: source.reads.bucket_metrics.latency_seconds(bucket, replica, rule_id))
    if latency is None:
        return Finding("unknown", f"no ReplicationLatency datapoint for rule {rule_id} ({bucket} -> {replica})")
    within = latency <= plan.rpo_budget_seconds
    evidence = f"ReplicationLatency {latency:g} s, budget {plan.rpo_budget_seconds} s"
    return Finding("pass" if within else "fail", evidence)


# --- DynamoDB ---------------------------------------------------------------------------------------------------------
def _tables(plan: RecoveryPlan, source_region: str, target: RegionReads) -> Iterator[ReadinessCheck]:
    for table in plan.readiness.feature_store_tables:

        def replica(table: str = table) -> Finding:
            found = target.tables.replicas(table)
            status = found.replicas.get(target.region, found.status)
            listed = ", ".join(f"{r} {s}" for r, s in sorted(found.replicas.items())) or "none"
            if source_region not in found.replicas:
                return Finding(
                    "fail", f"{table} in {target.region} is not a replica of {source_region} (replicas: {listed})"
                )
            ok = found.status == "ACTIVE" and status == "ACTIVE"
            return Finding("pass" if ok else "fail", f"{table} in {target.region} is {status}; replicas: {listed}")

        yield check(
            "dynamodb.replica",
            "critical",
            table,
            f"Add a {target.region} replica to the global table {table} (UpdateTable ReplicaUpdates) and wait for "
            "ACTIVE: the model's online features are read there.",
            replica,
        )


# --- ECR --------------------------------------------------------------------------------------------------------------
def _repositories(plan: RecoveryPlan, source: _Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    for repository in plan.readiness.ecr_repositories:

        def replicated(repository: str = repository) -> Finding:
            if not target.images.repository_exists(repository):
                return Finding("fail", f"repository {repository} does not exist in {target.region}")
            rules = source(source.reads.images.replication)
            if any(d.region == target.region and d.covers(repository) for d in rules):
                return Finding("pass", f"{source.reads.region}'s registry replicates {repository} to {target.region}")
            return Finding(
                "fail", f"{source.reads.region}'s registry has no rule replicating {repository} to {target.region}"
            )

        yield check(
            "ecr.replication",
            "warning",
            repository,
            f"Add a registry replication rule in {source.reads.region} to {target.region} covering {repository}, so "
            "every image pushed there is also here.",
            replicated,
        )


# --- Route 53 ---------------------------------------------------------------------------------------------------------
def _dns(plan: RecoveryPlan, records: RecordSets) -> Iterator[ReadinessCheck]:
    dns = plan.dns
    found: dict[str, str | None] = {}

    def exist() -> Finding:
        found.update(records.health_checks(dns.hosted_zone, dns.record_name, dns.record_type))
        missing = [s for s in dns.set_identifiers.values() if s not in found]
        if missing:
            return Finding("fail", f"{dns.record_name} lacks record sets {missing}")
        return Finding("pass", f"{dns.record_name} has record sets {sorted(dns.set_identifiers.values())}")

    def healthy() -> Finding:
        problems = []
        for set_id in dns.set_identifiers.values():
            health_check = found.get(set_id)
            if health_check is None:
                problems.append(f"{set_id} has no health check")
            elif not records.health_check_exists(health_check):
                problems.append(f"{set_id}'s health check {health_check} does not exist")
        if problems:
            return Finding("fail", "; ".join(problems))
        return Finding("pass", ", ".join(f"{s}: {found[s]}" for s in dns.set_identifiers.values()))

    yield check(
        "route53.records",
        "critical",
        dns.record_name,
        f"Create a {dns.policy} {dns.record_type} record set per region in {dns.hosted_zone}, with the plan's set "
        "identifiers: the runbook moves traffic by changing their weights.",
        exist,
    )
    yield check(
        "route53.health_checks",
        "warning",
        dns.record_name,
        "Attach a Route 53 health check to each record set, so Route 53 stops answering with a region that fails.",
        healthy,
    )


# --- helpers ----------------------------------------------------------------------------------------------------------
def _image_path(image: str) -> str:
    """An image without its registry host, e.g. ``fraud-scoring-xgb:1.7-1``: the same image in either region."""
    return _ECR_HOST.sub("", image)


def _artifact_key(plan: RecoveryPlan, url: str | None) -> str | None:
    """An artifact URL with a plan bucket's regional name replaced by its purpose: the same artifact in either region.

    >>> from evac.domain.plan import DEFAULT_PLAN, load_plan
    >>> _artifact_key(load_plan(DEFAULT_PLAN), "s3://fraud-scoring-models-usw2/xgb/model.tar.gz")
    'model-artifacts:xgb/model.tar.gz'
    """
    if url is None or not (found := _S3_URL.match(url)):
        return url
    for entry in plan.readiness.buckets:
        if found["bucket"] in entry.names.values():
            return f"{entry.purpose}:{found['key']}"
    return url
