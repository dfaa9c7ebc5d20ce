"""ECS services' tasks take time to start (moto 5.2.5: a service is created with no task running, whatever its desired
count, and ``UpdateService`` runs the new desired count at once).

A service the seed creates runs its desired count, as a settled application's does. Raising the desired count
starts the new tasks: ``runningCount`` stays at the old count (the difference is ``pendingCount``) and the primary
deployment's ``rolloutState`` is ``IN_PROGRESS`` until they run after ``ecs_task_start``, then ``COMPLETED``
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html, API_Deployment). Lowering it stops
tasks at once.

ECS registers a service's running tasks with the target groups of its ``loadBalancers`` and deregisters the ones it
stops (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html); moto registers
none. Here each task is a target by an IP of its own (``awsvpc`` tasks register by IP): a seeded service's tasks
are ``healthy`` already; a new task is ``initial`` (``fidelity.target_health``) from when it runs until it has
passed the group's health checks, ``HealthCheckIntervalSeconds`` x ``HealthyThresholdCount`` seconds later (the
longest of its groups'), then ``healthy``
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import elbv2_backends

from evacops.localcloud.fidelity.target_health import InitialTargets

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.fidelity.latencies import Latencies


def _settled(service: Any, running: int) -> None:
    service.running_count = running
    service.pending_count = max(service.desired_count - running, 0)
    for deployment in service.deployments[:1]:
        deployment.update(
            desiredCount=service.desired_count,
            runningCount=running,
            pendingCount=service.pending_count,
            rolloutState="COMPLETED" if running >= service.desired_count else "IN_PROGRESS",
        )


class EcsTaskStarts:
    """New tasks run ``ecs_task_start`` modelled seconds after the desired count rose (see the module)."""

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.targets = InitialTargets(timeline)
        self.tasks: dict[str, list[str]] = {}  # service ARN -> the IPs of its tasks registered as targets
        self._next_ip = 0

    def register(self, backend: EC2ContainerServiceBackend, service: Any, running: int, *, new: bool) -> None:
        """The service's tasks registered with its target groups up to ``running`` (surplus ones deregistered);
        ``new`` tasks ``initial`` until they pass the groups' health checks."""
        elbv2 = elbv2_backends[backend.account_id][backend.region_name]
        groups = [
            elbv2.target_groups[b["targetGroupArn"]]
            for b in service.load_balancers
            if b.get("targetGroupArn") in elbv2.target_groups
        ]
        tasks = self.tasks.setdefault(service.arn, [])
        started: list[str] = []
        while len(tasks) < running:
            self._next_ip += 1
            started.append(f"10.{self._next_ip // 65536 % 256}.{self._next_ip // 256 % 256}.{self._next_ip % 256}")
            tasks.append(started[-1])
        stopped, tasks[running:] = tasks[running:], []
        for group in groups:
            group.register([{"Id": ip} for ip in started])
            group.deregister([{"Id": ip} for ip in stopped if ip in group.targets])
        if not (new and started and groups):
            return
        self.targets.ids.update(started)
        checks = max(int(g.health_check_interval_seconds) * int(g.healthy_threshold_count) for g in groups)
        self.timeline.after(checks, lambda: self.targets.ids.difference_update(started))

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_create = EC2ContainerServiceBackend.create_service
        original_update = EC2ContainerServiceBackend.update_service
        original_describe = EC2ContainerServiceResponse.describe_services

        def create(backend: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
            service = original_create(backend, *args, **kwargs)
            _settled(service, service.desired_count)
            extension.register(backend, service, service.desired_count, new=False)
            return service

        def update(backend: EC2ContainerServiceBackend, properties: dict[str, Any]) -> Any:
            extension.timeline.settle()
            cluster = str(properties.get("cluster", "default")).rsplit("/", 1)[-1]
            name = str(properties.get("service", "")).rsplit("/", 1)[-1]
            before = backend.services.get(f"{cluster}:{name}")
            running = before.running_count if before is not None else 0
            service = original_update(backend, properties)
            if service.desired_count <= running:
                _settled(service, service.desired_count)
                extension.register(backend, service, service.desired_count, new=False)
                return service
            _settled(service, running)
            wanted = service.desired_count

            def started() -> None:
                if service.desired_count == wanted:
                    _settled(service, wanted)
                    extension.register(backend, service, wanted, new=True)

            extension.timeline.after(extension.latencies.ecs_task_start, started)
            return service

        def describe(response: EC2ContainerServiceResponse) -> Any:
            extension.timeline.settle()
            return original_describe(response)

        self.targets.install(stack)
        stack.enter_context(patch.object(EC2ContainerServiceBackend, "create_service", create))
        stack.enter_context(patch.object(EC2ContainerServiceBackend, "update_service", update))
        stack.enter_context(patch.object(EC2ContainerServiceResponse, "describe_services", describe))
