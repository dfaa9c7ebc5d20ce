"""S3 model artifacts: each artifact an endpoint loads in the target exists there, with the primary's ETag."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import Endpoint, RecoveryPlan
    from evac.domain.ports import EndpointSpec
    from evac.domain.readiness.probes import RegionReads, Source

S3_URL = re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)$")


def artifact_checks(
    endpoint: Endpoint,
    source: Source,
    source_spec: Callable[[], EndpointSpec],
    spec: EndpointSpec,
    target: RegionReads,
) -> Iterator[ReadinessCheck]:
    for index, container in enumerate(spec.containers(endpoint.variant)):
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
            if there.etag != here.etag:
                return Finding("fail", f"ETag {here.etag} differs from the primary's {theirs} (ETag {there.etag})")
            return Finding("pass", f"ETag {here.etag}, as the primary's {theirs}")

        yield catalogued("s3.model_artifact", url, present, url=url)


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
