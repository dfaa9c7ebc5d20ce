"""ECR repositories the plan names: each exists in the target, and the source's registry replicates it there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.readiness.probes import RegionReads, Source


def repository_checks(plan: RecoveryPlan, source: Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    here, there = source.reads.region, target.region
    for repository in plan.readiness.ecr_repositories:

        def replicated(repository: str = repository) -> Finding:
            if not target.images.repository_exists(repository):
                return Finding("fail", f"repository {repository} does not exist in {there}")
            rules = source(source.reads.images.replication)
            if any(d.region == there and d.covers(repository) for d in rules):
                return Finding("pass", f"{here}'s registry replicates {repository} to {there}")
            return Finding("fail", f"{here}'s registry has no rule replicating {repository} to {there}")

        yield catalogued("ecr.replication", repository, replicated, source=here, region=there, repository=repository)
