"""DynamoDB global tables (the feature store): the target holds an ACTIVE replica of each, fed by the source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.readiness.probes import RegionReads


def table_checks(plan: RecoveryPlan, source_region: str, target: RegionReads) -> Iterator[ReadinessCheck]:
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

        yield catalogued("dynamodb.replica", table, replica, table=table, region=target.region)
