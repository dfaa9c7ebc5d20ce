"""Service Quotas: the target account may run as many endpoint instances of each type as the plan needs there.

The ``<type> for endpoint usage`` quota counts every endpoint of the account in the region
(https://docs.aws.amazon.com/general/latest/gr/sagemaker.html#limits_sagemaker); what the region's other endpoints
already run of that type is not available to the plan's.
"""

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
    ours = {e.name for e in plan.inference.endpoints}
    for instance_type, instances in needed.items():
        yield catalogued(
            "servicequotas.instance_quota",
            instance_type,
            partial(_quota, target, instance_type, instances, ours),
            instance_type=instance_type,
            instances=instances,
            region=target.region,
        )


def _quota(target: RegionReads, instance_type: str, instances: int, ours: set[str]) -> Finding:
    """Below the plan's capacity fails; a quota or usage that cannot be read is an unknown warning, never a blocker."""
    try:
        quota = target.quotas.endpoint_instances(instance_type)
        if quota is None:
            return Finding("unknown", f"Service Quotas has no {instance_type} endpoint quota", severity="warning")
        others = target.endpoints.instances_in_use(instance_type, excluding=ours)
    except EvacError as exc:
        return Finding("unknown", f"could not be read: {exc}", severity="warning")
    free = quota - others
    verdict: CheckStatus = "pass" if free >= instances else "fail"
    return Finding(
        verdict,
        f"{instance_type} endpoint quota is {quota:g}, other endpoints use {others}: {free:g} free, the plan needs "
        f"{instances}",
    )
