"""SageMaker Model Registry: the primary's newest approved model is approved in the target's group too, by content.

Model package versions count up per group in each region (https://docs.aws.amazon.com/sagemaker/latest/dg/
model-registry-version.html) and nothing replicates them: version 3 here and version 3 there may be different
models, version 5 there may be version 2 here. A package is identified by what it deploys: each container's image
(its repository path and ``ImageDigest``) and artifact (``ModelDataUrl``, the plan's bucket pair aside), read with
DescribeModelPackage (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackageContainerDefinition.html).
Its ``ModelApprovalStatus`` must be ``Approved`` in the target too: a pipeline deploying there deploys only that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.readiness.artifacts import artifact_key
from evac.domain.readiness.images import image_path
from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import ModelPackage
    from evac.domain.readiness.probes import RegionReads, Source

Content = tuple[tuple[str, str | None, str | None], ...]


def content(plan: RecoveryPlan, package: ModelPackage) -> Content:
    """What ``package`` deploys, the same in either region."""
    return tuple(
        (image_path(c.image), c.image_digest, artifact_key(plan, c.model_data_url or c.data_source))
        for c in package.containers
    )


def newest_approved(packages: list[ModelPackage]) -> ModelPackage | None:
    approved = [p for p in packages if p.approval == "Approved"]
    return max(approved, key=lambda p: (p.created is not None, p.created, p.version), default=None)


def model_package_checks(plan: RecoveryPlan, source: Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    group = plan.readiness.model_package_group
    if group is None:
        return

    def same_model() -> Finding:
        ours = target.registry.packages(group)
        if not any(p.approval == "Approved" for p in ours):
            listed = ", ".join(f"{p.version} {p.approval}" for p in ours) or "none"
            return Finding("fail", f"{group} has no approved model package in {target.region} (versions: {listed})")
        theirs = source(lambda: source.reads.registry.packages(group))
        newest = newest_approved(theirs)
        if newest is None:
            return Finding("unknown", f"{group} has no approved model package in {source.reads.region} to compare")
        wanted = content(plan, newest)
        if any(c[1] is None and c[2] is None for c in wanted):
            return Finding("unknown", f"version {newest.version} in {source.reads.region} names no digest or artifact")
        match = next((p for p in ours if content(plan, p) == wanted), None)
        if match is None:
            return Finding(
                "fail",
                f"the primary's newest approved version {newest.version} ({_describe(wanted)}) is not in {group} "
                f"in {target.region}",
            )
        if match.approval != "Approved":
            return Finding(
                "fail", f"the primary's version {newest.version} is version {match.version} here, {match.approval}"
            )
        return Finding(
            "pass", f"the primary's newest approved version {newest.version} is approved version {match.version} here"
        )

    yield catalogued("sagemaker.model_packages", group, same_model, group=group, region=target.region)


def _describe(found: Content) -> str:
    return ", ".join(f"{image}@{digest or '?'} + {artifact or 'no artifacts'}" for image, digest, artifact in found)
