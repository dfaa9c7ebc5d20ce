"""SageMaker Model Registry: every approved model package of the primary is in the target's group too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.readiness.probes import RegionReads, Source


def model_package_checks(plan: RecoveryPlan, source: Source, target: RegionReads) -> Iterator[ReadinessCheck]:
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

    yield catalogued("sagemaker.model_packages", group, versions, group=group, region=target.region)
