"""fidelity.ec2_autoscaling: a seeded group runs its capacity; raising it launches new instances that serve, and are
healthy targets, only after the modelled launch time (moto alone: InService and healthy at once). Read through evac's
own adapters (``evac.aws.ec2_autoscaling``, ``evac.aws.elbv2``), as the runbook reads them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from evac.aws import clients
from evac.aws.ec2_autoscaling import AutoScalingGroups
from evac.aws.elbv2 import TargetGroups
from evac.domain.plan import load_plan
from evac.domain.plan_resources import AutoScalingGroup
from evacops.localcloud.fidelity.ec2_autoscaling import AutoScalingLaunches
from evacops.localcloud.fidelity.latencies import Latencies
from evacops.localcloud.seed_kinds import seed_group

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from tests.fakes.clock import SteppedClock

REGION = "us-west-2"
FLEET_PLAN = Path(__file__).resolve().parents[1] / "plans" / "rag-gpu-fleet.yaml"
GROUP = next(r for r in load_plan(FLEET_PLAN).resources if isinstance(r, AutoScalingGroup))
NAME = GROUP.groups[REGION]


@pytest.fixture(autouse=True)
def fresh_clients() -> None:
    clients.clear()


def serving() -> tuple[int, int, int]:
    """(desired, InService and Healthy, healthy targets) as the runbook's adapters see the standby group."""
    state = AutoScalingGroups(REGION).group(NAME)
    assert state is not None
    [target_group] = state.target_groups
    return state.desired, len(state.serving), TargetGroups(REGION).healthy(target_group, state.serving)


def raise_to_active() -> None:
    AutoScalingGroups(REGION).set_capacity(NAME, minimum=4, desired=4, maximum=4)


def test_plain_moto_serves_new_instances_at_once(aws: None) -> None:
    seed_group(GROUP, REGION, serving=False)

    raise_to_active()

    assert serving() == (4, 4, 4)


def test_new_instances_serve_and_turn_healthy_only_after_the_modelled_launch(
    stack: ExitStack, timeline: Timeline, clock: SteppedClock
) -> None:
    latencies = Latencies()
    AutoScalingLaunches(timeline, latencies).install(stack)
    seed_group(GROUP, REGION, serving=False)
    assert serving() == (1, 1, 1)  # the seeded standby runs already

    raise_to_active()
    clock.advance(latencies.asg_instance_start - 1)
    assert serving() == (4, 1, 1)
    health = boto3.client("elbv2", REGION).describe_target_health(
        TargetGroupArn=AutoScalingGroups(REGION).group(NAME).target_groups[0]  # type: ignore[union-attr]
    )["TargetHealthDescriptions"]
    assert sorted(h["TargetHealth"]["State"] for h in health) == ["healthy", "initial", "initial", "initial"]

    clock.advance(1)
    assert serving() == (4, 4, 4)


def test_a_missing_group_reads_as_none(stack: ExitStack, timeline: Timeline) -> None:
    AutoScalingLaunches(timeline, Latencies()).install(stack)

    assert AutoScalingGroups(REGION).group("rag-assistant-nowhere") is None
