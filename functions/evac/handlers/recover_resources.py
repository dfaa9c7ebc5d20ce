"""Runbook step (the RecoverResources loop): every resource of the plan's ``resources:`` through its kind's step in
one task a round: ``start`` them all, then ``check`` the pending ones until done. The source's adapters make one
quick attempt a call (an ungraceful run may try the failing region, never wait on it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.awslambda import EventSourceMappings, Functions
from evac.aws.dynamodb import GlobalTables
from evac.aws.ec2_autoscaling import AutoScalingGroups
from evac.aws.ecs import EcsServices
from evac.aws.elbv2 import TargetGroups
from evac.aws.events import Rules
from evac.aws.scheduler import Schedules
from evac.domain.kinds import check_resources, start_resources
from evac.domain.kinds.models import ResourcesInput
from evac.domain.kinds.ports import Region
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.kinds.models import ResourcePolls


def adapters(region: str, *, probe: bool = False) -> Region:
    return Region(
        services=EcsServices(region, probe=probe),
        tables=GlobalTables(region, probe=probe),
        mappings=EventSourceMappings(region, probe=probe),
        schedules=Schedules(region, probe=probe),
        rules=Rules(region, probe=probe),
        groups=AutoScalingGroups(region, probe=probe),
        targets=TargetGroups(region, probe=probe),
        functions=Functions(region),
    )


@step(ResourcesInput)
def lambda_handler(event: ResourcesInput) -> ResourcePolls:
    run, plan = event.run, settings().plan
    target, source = adapters(run.target_region), adapters(run.source_region, probe=True)
    if event.action == "start":
        return start_resources(run, plan, target=target, source=source)
    return check_resources(run, plan, event.polls, target=target, source=source)
