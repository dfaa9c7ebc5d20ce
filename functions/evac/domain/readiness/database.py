"""Aurora: the target's cluster is available, and replication to it is within the plan's RPO budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.readiness.probes import RegionReads


def database_checks(plan: RecoveryPlan, target: RegionReads) -> Iterator[ReadinessCheck]:
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

    yield catalogued("rds.cluster_available", cluster, available, cluster=cluster, region=target.region)
    yield catalogued("rds.replication_lag", cluster, lag)
