"""DynamoDB global tables (the feature store): the target holds a serving replica of each, fed by the source.

A table or replica in ``UPDATING`` (a GSI backfill, a capacity change, a replica being added elsewhere) still serves
reads and writes; only the other states do not (``TableStatus`` and ``ReplicaStatus`` in
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html and
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ReplicaDescription.html). Global tables of version
2017.11.29 list their replicas in DescribeGlobalTable, not DescribeTable
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeGlobalTable.html); the adapter reads
whichever the table is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.readiness.probes import RegionReads

SERVING = {"ACTIVE", "UPDATING"}


def table_checks(plan: RecoveryPlan, source_region: str, target: RegionReads) -> Iterator[ReadinessCheck]:
    for table in plan.readiness.feature_store_tables:

        def replica(table: str = table) -> Finding:
            found = target.tables.replicas(table)
            status = found.replicas.get(target.region, found.status)
            listed = ", ".join(f"{r} {s}" for r, s in sorted(found.replicas.items())) or "none"
            shape = f"global table {found.version}; replicas: {listed}"
            if source_region not in found.replicas:
                return Finding("fail", f"{table} in {target.region} is not a replica of {source_region} ({shape})")
            ok = found.status in SERVING and status in SERVING
            return Finding("pass" if ok else "fail", f"{table} in {target.region} is {status}; {shape}")

        yield catalogued("dynamodb.replica", table, replica, table=table, region=target.region)
