"""How readiness reads: the ports of one region, a probe's finding, and the rule that a failed read is never a pass.

Reads of the source region go through ``Source``: once that region fails to answer (it may be the region that
failed), later source reads are ``unknown`` at once, so an outage costs one bounded timeout (principle 1).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Generic, TypeVar

from evac.domain.models import ReadinessCheck
from evac.domain.readiness.catalogue import CATALOGUE
from evac.errors import AwsCallError, AwsTransientError, EvacError, RegionUnavailableError, ResourceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import CheckStatus, Severity
    from evac.domain.ports import (
        BucketReplicationMetrics,
        Buckets,
        ClusterStatuses,
        EndpointSpec,
        EndpointSpecs,
        Images,
        InstanceQuotas,
        LagReadings,
        ModelRegistry,
        RegistryReplication,
        ReplicatedTables,
        ScalableTargets,
    )
    from evac.domain.readiness.ml_state import TableLatency

T = TypeVar("T")


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
    tables: ReplicatedTables
    table_metrics: TableLatency | None = None  # feature tables' replication latency, read in the writing region


@dataclass(frozen=True)
class Finding:
    status: CheckStatus
    evidence: str
    severity: Severity | None = None  # overrides the check's severity (e.g. an unknown quota is only a warning)


class UnreadableError(EvacError):
    """What readiness needed from the source region is not there to read (it did not answer, or is missing)."""


class Source:
    """Reads of the source region, which may be the region that failed: the first time it does not answer (a
    timeout, a 5xx), every later read is unknown without another call."""

    def __init__(self, reads: RegionReads) -> None:
        self.reads = reads
        self.down: str | None = None

    def __call__(self, read: Callable[[], T]) -> T:
        if self.down is not None:
            raise UnreadableError(f"{self.reads.region} did not answer an earlier read ({self.down})")
        try:
            return read()
        except (RegionUnavailableError, AwsTransientError) as exc:
            self.down = str(exc)
            raise


class Once(Generic[T]):
    """A read done at most once, when a check first needs it; ``value`` is None until it succeeded."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self.value: T | None = None

    def __call__(self) -> T:
        if self.value is None:
            self.value = self._read()
        return self.value


def primary_spec(source: Source, endpoint: str) -> EndpointSpec:
    """The source region's ``endpoint``; missing there is unknown (nothing to compare with), not a target failure."""
    try:
        return source(lambda: source.reads.endpoints.spec(endpoint))
    except ResourceNotFoundError as exc:
        raise UnreadableError(f"the primary's {exc}") from exc


def sharing_reads(reads: RegionReads) -> RegionReads:
    """``reads`` reading each image and each endpoint's description once per assessment: endpoints often serve the same
    image, and the endpoint, bucket and quota checks all look at every endpoint (three reads each: with fifty
    endpoints, reading them again for each family would outlast the function's timeout)."""
    return replace(reads, images=_SharedDigests(reads.images), endpoints=_SharedSpecs(reads.endpoints))


class _SharedSpecs:
    """An ``EndpointSpecs`` port that describes each endpoint once (or fails once), however many checks ask."""

    def __init__(self, endpoints: EndpointSpecs) -> None:
        self._endpoints = endpoints
        self._specs: dict[str, EndpointSpec | EvacError] = {}
        self._lock = threading.Lock()

    def spec(self, endpoint: str) -> EndpointSpec:
        with self._lock:
            found = self._specs.get(endpoint)
        if found is None:
            try:
                found = self._endpoints.spec(endpoint)
            except EvacError as exc:
                found = exc
            with self._lock:
                self._specs[endpoint] = found
        if isinstance(found, EvacError):
            raise found
        return found

    def instances_in_use(self, instance_type: str, *, excluding: set[str]) -> int:
        return self._endpoints.instances_in_use(instance_type, excluding=excluding)


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
    except AwsCallError as exc:
        # A denied read fails its check (fail closed): an IAM regression must not switch off the guard it feeds.
        found = Finding(
            "fail" if exc.denied else "unknown", f"{'refused' if exc.denied else 'could not be read'}: {exc}"
        )
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


def catalogued(name: str, resource: str, probe: Callable[[], Finding], **facts: object) -> ReadinessCheck:
    """Run the catalogue's check ``name`` on ``resource``: its severity, and its remediation filled with ``facts``.

    >>> catalogued("s3.versioning", "b", lambda: Finding("fail", "Suspended"), replica="b").remediation
    'Enable versioning on b: S3 Replication needs it on both buckets.'
    """
    entry = CATALOGUE[name]
    return check(name, entry.severity, resource, entry.remediation.format(**facts), probe)
