"""Readiness: can the target region serve the model the way the source region does, right now?

A failover to a region whose model artifacts never replicated is a failover to nothing, so readiness looks past the
database at what serving the model takes: the endpoint and its configuration, the artifacts and the image it loads,
the registry, the feature store, the capacity it may scale to, and the DNS records that send it traffic.

Each check has a name (``service.check``), a status (``pass``, ``fail``, or ``unknown`` when it could not be read: an
unreadable thing is never a pass), a severity, the evidence it read and what to do about it. A resource the plan names
that does not exist is a failed check naming it, never a crash.

- ``catalogue``: every check's name, severity and remediation, as data;
- ``probes``: how readiness reads (one region's ports, the source region read at most until it fails to answer);
- one module per check family: ``database``, ``endpoints`` (with ``artifacts`` and ``images``), ``quotas``,
  ``registry``, ``buckets``, ``tables``, ``repositories``, ``dns``;
- ``ml_state``: how far the model state the target holds lags behind the source's (``ml_state_lag_seconds``).

Example::

    report = assess(plan, source=RegionReads(...), target=RegionReads(...), records=WeightedRecords())
    report.ready, [c.name for c in report.blocking]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from evac import clock
from evac.domain.models import Readiness
from evac.domain.readiness.buckets import bucket_checks
from evac.domain.readiness.database import database_checks
from evac.domain.readiness.dns import dns_checks
from evac.domain.readiness.endpoints import endpoint_checks
from evac.domain.readiness.ml_state import lag_check, ml_state, total
from evac.domain.readiness.probes import (
    Finding,
    RegionReads,
    Source,
    check,
    in_turn_then_together,
    sharing_reads,
)
from evac.domain.readiness.quotas import quota_checks
from evac.domain.readiness.registry import model_package_checks
from evac.domain.readiness.repositories import repository_checks
from evac.domain.readiness.tables import table_checks

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import MlStateLag, ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import RecordSets
    from evac.domain.readiness.dns import RecordHealth


def assess(
    plan: RecoveryPlan,
    *,
    source: RegionReads,
    target: RegionReads,
    records: RecordSets,
    health: RecordHealth | None = None,
) -> Readiness:
    """Every readiness check of ``plan`` for a failover from ``source.region`` to ``target.region``."""
    source, target = sharing_reads(source), sharing_reads(target)
    from_source = Source(source)
    # The families that read the source region, in the order an outage's one timeout is seen in, and those apart.
    reading_source: list[Callable[[], list[ReadinessCheck]]] = [
        lambda: list(endpoint_checks(plan, from_source, target)),
        lambda: list(model_package_checks(plan, from_source, target)),
        lambda: list(bucket_checks(plan, from_source, target)),
        lambda: list(repository_checks(plan, from_source, target)),
    ]
    apart: list[Callable[[], list[ReadinessCheck]]] = [
        lambda: list(database_checks(plan, target)),
        lambda: list(quota_checks(plan, target)),
        lambda: list(table_checks(plan, source.region, target)),
        lambda: list(dns_checks(plan, records, source=source.region, target=target.region, health=health)),
    ]
    endpoints, packages, buckets, repositories, lags, database, quotas, tables, dns = in_turn_then_together(
        [*reading_source, lambda: ml_state(plan, from_source, target)], from_source, apart=apart
    )
    families = (database, endpoints, quotas, packages, buckets, tables, repositories, dns)  # the report's order
    checks = [c for family in cast("tuple[list[ReadinessCheck], ...]", families) for c in family]
    lags = cast("list[MlStateLag]", lags)
    if lags:  # the plan names a model package group or a feature table
        checks.append(lag_check(plan, lags))
    return Readiness(
        ready=all(c.status == "pass" for c in checks if c.severity == "critical"),
        application=plan.application,
        source_region=source.region,
        target_region=target.region,
        checked_at=clock.now(),
        checks=checks,
        ml_state_lag_seconds=total(lags),
        ml_state_budget_seconds=plan.readiness.ml_state_budget_seconds,
        ml_state=lags,
    )


__all__ = ["Finding", "RegionReads", "assess", "check"]
