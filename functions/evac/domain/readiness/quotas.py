"""Service Quotas: the target account may run as many endpoint instances of each type as the plan needs there."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued
from evac.errors import EvacError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import CheckStatus, ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.readiness.probes import RegionReads


def quota_checks(plan: RecoveryPlan, target: RegionReads) -> Iterator[ReadinessCheck]:
    needed: dict[str, int] = {}
    for endpoint in plan.inference.endpoints:
        needed[endpoint.instance_type] = needed.get(endpoint.instance_type, 0) + endpoint.active_instances
    for instance_type, instances in needed.items():
        yield catalogued(
            "servicequotas.instance_quota",
            instance_type,
            partial(_quota, target, instance_type, instances),
            instance_type=instance_type,
            instances=instances,
            region=target.region,
        )


def _quota(target: RegionReads, instance_type: str, instances: int) -> Finding:
    """Below the plan's capacity fails; a quota that cannot be read is an unknown warning, never a blocker."""
    try:
        quota = target.quotas.endpoint_instances(instance_type)
    except EvacError as exc:
        return Finding("unknown", f"could not be read: {exc}", severity="warning")
    if quota is None:
        return Finding("unknown", f"Service Quotas has no {instance_type} endpoint quota", severity="warning")
    verdict: CheckStatus = "pass" if quota >= instances else "fail"
    return Finding(verdict, f"{instance_type} endpoint quota is {quota:g}, the plan needs {instances}")
