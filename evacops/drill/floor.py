"""The floor under RTO: the dependencies' critical path, as the local cloud's latencies model it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from evac.domain.timing import critical_path_seconds

if TYPE_CHECKING:
    from evacops.drill.scenarios import Scenario
    from evacops.localcloud import LocalCloud


def critical_path(cloud: LocalCloud, scenario: Scenario, target: str) -> float:
    """The critical path of ``evac.domain.timing.critical_path_seconds`` (the runbook's predicted RTO uses it too),
    on the local cloud's modelled latencies: the sustain window (when alarms trigger the run), the slower of database
    promotion and the capacity DNS waits for, then DNS propagation. DNS waits for every instance
    (``scale-then-shift``) or for the plan's minimum share (``follow-capacity``), as the local cloud brings instances
    into service."""
    latencies = cloud.latencies
    planned = scenario.outcome in ("switchover", "failback")
    database = latencies.aurora_switchover if planned else latencies.aurora_failover
    shift = cloud.plan.dns.shift
    share = 1.0 if shift.policy == "scale-then-shift" else shift.minimum_share
    inference = 0.0
    for found in cloud.endpoints():
        if found["region"] != target:
            continue
        active = cloud.plan.endpoint(found["name"]).active_instances
        needed = math.ceil(share * active - 1e-9) - found["instances"]
        if needed > 0:
            inference = max(inference, cloud.sagemaker.arrivals(found["instances"], active)[needed - 1])
    if short_of_capacity(cloud, target):  # the failed scale-up and its rollback come before the fallback's
        inference += latencies.endpoint_capacity_failure + latencies.endpoint_rollback
    sustain = cloud.plan.trigger.sustain_seconds if scenario.triggered else 0
    return critical_path_seconds(sustain=sustain, database=database, inference=inference, dns=latencies.dns_propagation)


def short_of_capacity(cloud: LocalCloud, target: str) -> bool:
    """Whether ``target`` has no room for some endpoint's active capacity on its instance type."""
    return any(
        cloud.sagemaker.capacity.get((target, endpoint.instance_type), endpoint.active_instances)
        < endpoint.active_instances
        for endpoint in cloud.plan.inference.endpoints
    )
