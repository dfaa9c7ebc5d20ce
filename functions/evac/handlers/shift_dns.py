"""Runbook step: give the target as much traffic as its InService capacity and the plan's shift policy allow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.data_plane import traffic_switch
from evac.aws.route53 import WeightedRecords
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.dns_switch import asks_control_plane_once
from evac.domain.models import ShiftInput
from evac.domain.traffic import shift_dns
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(ShiftInput)
def lambda_handler(event: ShiftInput) -> Poll:
    plan = settings().plan
    return shift_dns(
        event.run,
        plan,
        event.previous,
        records=WeightedRecords(probe=asks_control_plane_once(event.run, plan)),
        endpoints=SageMakerEndpoints(event.run.target_region),
        switch=traffic_switch(plan),
    )
