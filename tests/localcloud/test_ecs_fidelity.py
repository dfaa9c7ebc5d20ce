"""fidelity.ecs: a seeded service runs its desired count; raising it starts the new tasks after the modelled time
(moto alone: no task runs at creation, and an update runs every task at once); a service behind a target group has
its tasks registered there, new ones ``initial`` for the group's health checks (moto alone registers none)."""

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


def service(desired: int, target_group: str | None = None) -> Any:
    ecs = boto3.client("ecs", REGION)
    ecs.create_cluster(clusterName="app")
    ecs.register_task_definition(family="api", containerDefinitions=[{"name": "api", "image": "x", "memory": 128}])
    balancers = [{"targetGroupArn": target_group, "containerName": "api", "containerPort": 80}] if target_group else []
    ecs.create_service(
        cluster="app", serviceName="api", taskDefinition="api", desiredCount=desired, loadBalancers=balancers
    )
    return ecs


def target_group() -> str:
    """An ip target group checking every 10 s, healthy after 3 checks: 30 s."""
    vpc = boto3.client("ec2", REGION).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return str(
        boto3.client("elbv2", REGION).create_target_group(
            Name="api", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip",
            HealthCheckIntervalSeconds=10, HealthyThresholdCount=3,
        )["TargetGroups"][0]["TargetGroupArn"]
    )  # fmt: skip


def health(arn: str) -> dict[str, int]:
    described = boto3.client("elbv2", REGION).describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    states = [d["TargetHealth"]["State"] for d in described]
    return {state: states.count(state) for state in sorted(set(states))}


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


def test_plain_moto_registers_no_task_with_the_target_group(aws: None) -> None:
    arn = target_group()
    ecs = service(2, arn)
    ecs.update_service(cluster="app", service="api", desiredCount=6)
    assert health(arn) == {}


def test_new_tasks_are_initial_targets_for_the_groups_health_checks_then_healthy(
    stack: ExitStack, timeline: Timeline, clock: SteppedClock
) -> None:
    latencies = Latencies()
    EcsTaskStarts(timeline, latencies).install(stack)
    arn = target_group()
    ecs = service(2, arn)
    assert health(arn) == {"healthy": 2}  # the seeded tasks serve

    ecs.update_service(cluster="app", service="api", desiredCount=6)
    clock.advance(latencies.ecs_task_start)
    assert described(ecs)[1] == 6
    assert health(arn) == {"healthy": 2, "initial": 4}

    clock.advance(29)
    assert health(arn) == {"healthy": 2, "initial": 4}
    clock.advance(1)
    assert health(arn) == {"healthy": 6}

    ecs.update_service(cluster="app", service="api", desiredCount=3)
    assert health(arn) == {"healthy": 3}  # the stopped tasks deregistered
