"""S3 model artifacts: each artifact an endpoint loads in the target exists there and is the primary's object.

Identity is never an ETag compared across buckets: an ETag is an MD5 of the data only for single-part objects in
plaintext or SSE-S3; SSE-KMS, SSE-C and multipart objects (and so most model artifacts) get other ETags in each
bucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html). What does identify the object:
- its version id: a replica keeps the source object's version id, and HeadObject on it answers
  ``x-amz-replication-status: REPLICA`` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html,
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html);
- its full-object checksum, read with ``ChecksumMode=ENABLED``
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html);
- an ETag only when both objects' ETags are MD5s. Anything else is unknown, never a pass.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_inference import Endpoint
    from evac.domain.ports import EndpointSpec, StoredObject
    from evac.domain.readiness.probes import RegionReads, Source

S3_URL = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")


def artifact_checks(
    endpoint: Endpoint,
    source: Source,
    source_spec: Callable[[], EndpointSpec],
    spec: EndpointSpec,
    target: RegionReads,
) -> Iterator[ReadinessCheck]:
    variant = spec.variant(endpoint.variant)
    if variant is not None and variant.model is None:
        yield catalogued(
            "s3.model_artifact",
            f"{endpoint.name}/{endpoint.variant}",
            lambda: Finding("unknown", f"{endpoint.variant} hosts inference components: their artifacts are not read"),
            url=f"the artifacts of {endpoint.name}'s inference components",
        )
        return
    for index, container in enumerate(spec.containers(endpoint.variant)):
        unread = container.unread or (
            f"its artifacts are the uncompressed prefix {container.data_source}: not one object to compare"
            if container.data_source
            else None
        )
        if unread is not None:
            resource = container.data_source or f"{endpoint.name}/{endpoint.variant}#{index}"
            yield catalogued("s3.model_artifact", resource, partial(Finding, "unknown", unread), url=resource)
            continue
        url = container.model_data_url
        if url is None or not (found := S3_URL.match(url)):
            continue

        def present(index: int = index, bucket: str = found["bucket"], key: str = found["key"]) -> Finding:
            here = target.buckets.stored(bucket, key)
            if here is None:
                return Finding("fail", f"s3://{bucket}/{key} does not exist in {target.region}")
            primary = source_spec().container(endpoint.variant, index)
            theirs = primary.model_data_url if primary else None
            if theirs is None or not (their := S3_URL.match(theirs)):
                return Finding("unknown", "present; the primary's artifact is unknown")
            there = source(lambda: source.reads.buckets.stored(their["bucket"], their["key"]))
            if there is None:
                return Finding("unknown", f"present; the primary's {theirs} is missing to compare with")
            return same_object(here, there, theirs)

        yield catalogued("s3.model_artifact", url, present, url=url)


def same_object(here: StoredObject, there: StoredObject, theirs: str) -> Finding:
    """Whether ``here`` (the target's object) is the primary's ``there`` (at ``theirs``), by what identifies it."""
    if here.version_id and here.version_id == there.version_id:
        how = "a replica" if here.replication_status == "REPLICA" else "the same object"
        return Finding("pass", f"{how} of {theirs}: version {here.version_id}")
    if here.checksum and there.checksum and here.checksum.split(":")[0] == there.checksum.split(":")[0]:
        same = here.checksum == there.checksum
        verdict = "as" if same else f"differs from ({there.checksum})"
        return Finding("pass" if same else "fail", f"checksum {here.checksum}, {verdict} the primary's {theirs}")
    if here.replication_status == "REPLICA" and here.version_id and there.version_id:
        return Finding(
            "fail", f"a replica of version {here.version_id}; the primary's {theirs} is version {there.version_id}"
        )
    if here.etag_is_md5 and there.etag_is_md5:
        if here.etag == there.etag:
            return Finding("pass", f"MD5 ETag {here.etag}, as the primary's {theirs}")
        return Finding("fail", f"MD5 ETag {here.etag} differs from the primary's {theirs} ({there.etag})")
    why = "a multipart" if "-" in here.etag or "-" in there.etag else "an encrypted (SSE-KMS/SSE-C)"
    return Finding(
        "unknown",
        f"version {here.version_id} is not the primary's {there.version_id}, no comparable checksum, and {why} "
        "object's ETag is not an MD5: upload artifacts with a checksum (x-amz-checksum-sha256) or replicate them",
    )


def artifact_key(plan: RecoveryPlan, url: str | None) -> str | None:
    """An artifact URL with a plan bucket's regional name replaced by its purpose: the same artifact in either region.

    >>> from evac.domain.plan import DEFAULT_PLAN, load_plan
    >>> artifact_key(load_plan(DEFAULT_PLAN), "s3://fraud-scoring-models-usw2/xgb/model.tar.gz")
    'model-artifacts:xgb/model.tar.gz'
    """
    if url is None or not (found := S3_URL.match(url)):
        return url
    for entry in plan.readiness.buckets:
        if found["bucket"] in entry.names.values():
            return f"{entry.purpose}:{found['key']}"
    return url
