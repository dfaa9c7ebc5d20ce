"""ECR images: each image an endpoint pulls in the target comes from the target's registry, at the primary's digest."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import Endpoint
    from evac.domain.ports import EndpointSpec
    from evac.domain.readiness.probes import RegionReads, Source

ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/")


def image_checks(
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
            digest = target.images.digest(image)
            if digest is None:
                return Finding("fail", f"{image} does not exist in {target.region}")
            primary = source_spec().container(endpoint.variant, index)
            theirs = primary.image if primary else None
            if theirs is None:
                return Finding("unknown", f"resolves to {digest}; the primary's image is unknown")
            their_digest = source(lambda: source.reads.images.digest(theirs)) if ECR_HOST.match(theirs) else None
            if their_digest is None:
                return Finding("unknown", f"resolves to {digest}; the primary's {theirs} could not be resolved")
            if their_digest != digest:
                return Finding("fail", f"resolves to {digest}, the primary serves {their_digest}")
            return Finding("pass", f"resolves to {digest}, as in the primary")

        yield catalogued("ecr.image_present", image, present, region=target.region)


def image_path(image: str) -> str:
    """An image without its registry host, e.g. ``fraud-scoring-xgb:1.7-1``: the same image in either region."""
    return ECR_HOST.sub("", image)
