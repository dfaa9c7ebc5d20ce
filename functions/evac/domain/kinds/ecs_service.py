"""ECS services: the target's desired count raised to the plan's ``active_count``; done once that many tasks run
and, with ``wait_healthy_targets``, each target group of the service's ``loadBalancers`` has that many healthy
targets.

ECS registers a service's tasks with its target groups itself
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html); a new task is ``initial``
there until it passes the load balancer's health checks, then ``healthy``
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html). Every healthy target
of the group counts: a target group serves one service.

ECS starts tasks to reach the desired count; a deployment whose tasks keep failing to start is marked ``FAILED`` when
the deployment circuit breaker is on
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.kinds.step import Context, Look, share
from evac.errors import ResourceRecoveryError

if TYPE_CHECKING:
    from evac.domain.kinds.ports import ServiceState, ServingReads
    from evac.domain.plan_resources import EcsService


def start(context: Context, service: EcsService) -> Look:
    """Raise the desired count to the active count (never lower it): idempotent."""
    return check(context, service)


def check(context: Context, service: EcsService) -> Look:
    """Done once ``active_count`` tasks run (and serve in its target groups); a desired count below it (lowered
    since, or never raised) is raised."""
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
    active = service.active_count
    count, healthy = serving(context.target, service, state)
    detail = {"running": state.running, "desired": max(state.desired, active)}
    if healthy is not None:
        detail["healthy_targets"] = healthy
    return Look(done=not raised and count >= active, detail=detail, share=share(count, active))


def serving(reads: ServingReads, service: EcsService, state: ServiceState) -> tuple[int, int | None]:
    """The tasks that serve: running and, with ``wait_healthy_targets``, no more than the fewest healthy targets any
    of its target groups has (that fewest is the second value; None without the wait)."""
    healthy = [reads.targets.healthy(arn) for arn in (state.target_groups if service.wait_healthy_targets else ())]
    fewest = min(healthy, default=None)
    return (state.running if fewest is None else min(state.running, fewest)), fewest


def serving_share(reads: ServingReads, service: EcsService, region: str) -> int:
    """The share (percent) of the service's ``active_count`` that serves in ``region``; nothing for a service that
    does not exist or is not ACTIVE there. Reads only."""
    state = reads.services.service(service.clusters[region], service.services[region])
    if state is None or state.status != "ACTIVE":
        return 0
    return share(serving(reads, service, state)[0], service.active_count)
