"""fidelity.ecs: a seeded service runs its desired count; raising it starts the new tasks after the modelled time
(moto alone: no task runs at creation, and an update runs every task at once)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from evacops.localcloud.fidelity.ecs import EcsTaskStarts
from evacops.localcloud.fidelity.latencies import Latencies

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from tests.fakes.clock import SteppedClock

REGION = "us-west-2"


def service(desired: int) -> Any:
    ecs = boto3.client("ecs", REGION)
    ecs.create_cluster(clusterName="app")
    ecs.register_task_definition(family="api", containerDefinitions=[{"name": "api", "image": "x", "memory": 128}])
    ecs.create_service(cluster="app", serviceName="api", taskDefinition="api", desiredCount=desired)
    return ecs


def described(ecs: Any) -> tuple[int, int, str]:
    found = ecs.describe_services(cluster="app", services=["api"])["services"][0]
    return found["desiredCount"], found["runningCount"], found["deployments"][0]["rolloutState"]


def test_plain_moto_runs_no_task_at_creation_and_every_task_at_once(aws: None) -> None:
    ecs = service(2)
    assert described(ecs)[1] == 0
    ecs.update_service(cluster="app", service="api", desiredCount=6)
    assert described(ecs)[1] == 6


def test_new_tasks_run_after_the_modelled_start_time(stack: ExitStack, timeline: Timeline, clock: SteppedClock) -> None:
    latencies = Latencies()
    EcsTaskStarts(timeline, latencies).install(stack)
    ecs = service(2)
    assert described(ecs) == (2, 2, "COMPLETED")

    ecs.update_service(cluster="app", service="api", desiredCount=6)
    clock.advance(latencies.ecs_task_start - 1)
    assert described(ecs) == (6, 2, "IN_PROGRESS")

    clock.advance(1)
    assert described(ecs) == (6, 6, "COMPLETED")


def test_a_lower_desired_count_stops_tasks_at_once(stack: ExitStack, timeline: Timeline) -> None:
    EcsTaskStarts(timeline, Latencies()).install(stack)
    ecs = service(6)

    ecs.update_service(cluster="app", service="api", desiredCount=2)

    assert described(ecs) == (2, 2, "COMPLETED")
