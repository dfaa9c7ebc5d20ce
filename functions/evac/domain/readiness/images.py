"""ECR images: each image an endpoint pulls in the target comes from the target's registry, at the primary's digest.

The application's images (in the repositories the plan names) are resolved with DescribeImages. Images in AWS's own
registries (deep learning containers, e.g. account 763104351884, built-in algorithms, JumpStart; the registries per
region are listed in https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html)
cannot be described by the application's role: they are judged by their URI, which must pull from the target
region's registry and name the primary's repository and tag (or digest). An image pinned by digest
(``@sha256:...``) is compared by that digest without a read."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_inference import Endpoint
    from evac.domain.ports import Container, EndpointSpec
    from evac.domain.readiness.probes import RegionReads, Source

ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/")
AWS_REGISTRIES = {"763104351884", "727897471807", "446045086412", "442386744353"}  # deep learning containers


def owned(plan: RecoveryPlan, image: str) -> bool:
    """Whether ``image`` is the application's (DescribeImages may read it), not in an AWS-owned registry."""
    found = ECR_HOST.match(image)
    if found is None or found["account"] in AWS_REGISTRIES:
        return False
    repositories = plan.readiness.ecr_repositories
    repository = image_path(image).split("@")[0].split(":")[0]
    return not repositories or repository in repositories


def image_checks(
    plan: RecoveryPlan,
    endpoint: Endpoint,
    source: Source,
    source_spec: Callable[[], EndpointSpec],
    spec: EndpointSpec,
    target: RegionReads,
) -> Iterator[ReadinessCheck]:
    for index, container in enumerate(spec.containers(endpoint.variant)):
        image = container.image
        if not ECR_HOST.match(image):
            continue

        def present(index: int = index, image: str = image) -> Finding:
            registry_region = ECR_HOST.match(image)["region"]  # type: ignore[index]  # matched above
            if registry_region != target.region:
                return Finding("fail", f"{image} is pulled from {registry_region}'s registry, not {target.region}'s")
            if not owned(plan, image):
                return _by_uri(image, source_spec().container(endpoint.variant, index))
            digest = target.images.digest(image)
            if digest is None:
                return Finding("fail", f"{image} does not exist in {target.region}")
            return _same_digest(digest, source, source_spec().container(endpoint.variant, index))

        yield catalogued("ecr.image_present", image, present, region=target.region)


def _same_digest(digest: str, source: Source, primary: Container | None) -> Finding:
    theirs = primary.image if primary else None
    if theirs is None:
        return Finding("unknown", f"resolves to {digest}; the primary's image is unknown")
    their_digest = source(lambda: source.reads.images.digest(theirs)) if ECR_HOST.match(theirs) else None
    if their_digest is None:
        return Finding("unknown", f"resolves to {digest}; the primary's {theirs} could not be resolved")
    if their_digest != digest:
        return Finding("fail", f"resolves to {digest}, the primary serves {their_digest}")
    return Finding("pass", f"resolves to {digest}, as in the primary")


def _by_uri(image: str, primary: Container | None) -> Finding:
    theirs = primary.image if primary else None
    if theirs is None:
        return Finding("unknown", f"{image} is in a registry the application does not own; the primary's is unknown")
    if image_path(image) != image_path(theirs):
        return Finding("fail", f"{image} is not the primary's {theirs}")
    account = ECR_HOST.match(image)["account"]  # type: ignore[index]  # matched by the caller
    return Finding(
        "pass",
        f"{image_path(image)} from {account}'s registry in this region, as the primary's (not the application's "
        "registry: judged by its URI, not described)",
    )


def image_path(image: str) -> str:
    """An image without its registry host, e.g. ``fraud-scoring-xgb:1.7-1``: the same image in either region."""
    return ECR_HOST.sub("", image)
