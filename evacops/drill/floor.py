"""The floor under RTO: the dependencies' critical path, as the local cloud's latencies model it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from evac.domain.plan_resources import AutoScalingGroup, EcsService
from evac.domain.timing import critical_path_seconds
from evacops.localcloud.deploy import ACCOUNT
from evacops.localcloud.seed_kinds import resource_states

if TYPE_CHECKING:
    from evacops.drill.scenarios import Scenario
    from evacops.localcloud import LocalCloud


def critical_path(cloud: LocalCloud, scenario: Scenario, target: str) -> float:
    """The critical path of ``evac.domain.timing.critical_path_seconds`` (the runbook's predicted RTO uses it too),
    on the local cloud's modelled latencies: the sustain window (when alarms trigger the run), the slower of database
    promotion and the capacity DNS waits for, then DNS propagation. DNS waits for every instance
    (``scale-then-shift``) or for the plan's minimum share (``follow-capacity``), as the local cloud brings instances
    into service, and for the plan's ``resources:`` (``resources_floor``: every serving resource in full, or its
    minimum share under ``follow-capacity``; the promote stage's other kinds add no modelled wait)."""
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
        needed = _needed(share, active) - found["instances"]
        if needed > 0:
            inference = max(inference, cloud.sagemaker.arrivals(found["instances"], active)[needed - 1])
    if short_of_capacity(cloud, target):  # the failed scale-up and its rollback come before the fallback's
        inference += latencies.endpoint_capacity_failure + latencies.endpoint_rollback
    inference = max(inference, resources_floor(cloud, target))
    sustain = cloud.plan.trigger.sustain_seconds if scenario.triggered else 0
    return critical_path_seconds(sustain=sustain, database=database, inference=inference, dns=latencies.dns_propagation)


def resources_floor(cloud: LocalCloud, target: str) -> float:
    """The slowest of the plan's serving resources to serve what DNS waits for in ``target``, whatever the count:
    every task or instance (``scale-then-shift``) or the plan's minimum share of them (``follow-capacity``, as
    ``evac.domain.kinds`` leaves the rest to the traffic ramp). New ECS tasks run after ``ecs_task_start``, new Auto
    Scaling instances serve after ``asg_instance_start``, all at once, so a resource adds that wait only where the
    target runs fewer than it needs (a warm standby at or above the minimum share adds none); the switches, global
    tables and custom actions add no modelled wait. Read from the local cloud's ground truth before the run."""
    if not cloud.plan.resources:
        return 0.0
    states, latencies = resource_states(cloud.plan, target, ACCOUNT), cloud.latencies
    shift = cloud.plan.dns.shift
    share = 1.0 if shift.policy == "scale-then-shift" else shift.minimum_share
    waits = [0.0]
    for resource in cloud.plan.resources:
        if isinstance(resource, EcsService) and states[resource.name]["running"] < _needed(
            share, resource.active_count
        ):
            waits.append(latencies.ecs_task_start)
        elif isinstance(resource, AutoScalingGroup) and (
            states[resource.name]["in_service"] < _needed(share, resource.active_capacity)
        ):
            waits.append(latencies.asg_instance_start)
    return max(waits)


def _needed(share: float, active: int) -> int:
    """How many of ``active`` serve ``share`` of the traffic (a whole count, as the runbook's percent rounds down)."""
    return math.ceil(share * active - 1e-9)


def short_of_capacity(cloud: LocalCloud, target: str) -> bool:
    """Whether ``target`` has no room for some endpoint's active capacity on its instance type."""
    return any(
        cloud.sagemaker.capacity.get((target, endpoint.instance_type), endpoint.active_instances)
        < endpoint.active_instances
        for endpoint in cloud.plan.inference.endpoints
    )
