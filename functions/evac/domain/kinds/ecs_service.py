"""ECS services: the target's desired count raised to the plan's ``active_count``; done once that many tasks run.

ECS starts tasks to reach the desired count; a deployment whose tasks keep failing to start is marked ``FAILED``
when the deployment circuit breaker is on
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.kinds.step import Context, Look
from evac.errors import ResourceRecoveryError

if TYPE_CHECKING:
    from evac.domain.plan_resources import EcsService


def start(context: Context, service: EcsService) -> Look:
    """Raise the desired count to the active count (never lower it): idempotent."""
    return check(context, service)


def check(context: Context, service: EcsService) -> Look:
    """Done once ``active_count`` tasks run; a desired count below it (lowered since, or never raised) is raised."""
    region = context.run.target_region
    cluster, name = service.clusters[region], service.services[region]
    state = context.target.services.service(cluster, name)
    if state is None:
        raise ResourceRecoveryError(f"service {name} of cluster {cluster} does not exist in {region}")
    if state.status != "ACTIVE":
        raise ResourceRecoveryError(f"service {name} of cluster {cluster} is {state.status} in {region}")
    if state.rollout == "FAILED":
        raise ResourceRecoveryError(f"service {name} in {region}: deployment failed: {state.rollout_reason}")
    raised = state.desired < service.active_count
    if raised:
        context.target.services.set_desired(cluster, name, service.active_count)
    return Look(
        done=not raised and state.running >= service.active_count,
        detail={"running": state.running, "desired": max(state.desired, service.active_count)},
    )
