"""Runbook step: give the target as much traffic as its InService capacity (its endpoints' and its serving
resources') and the plan's shift policy allow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.data_plane import traffic_switch
from evac.aws.route53 import WeightedRecords
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.dns_switch import asks_control_plane_once
from evac.domain.models import ShiftInput
from evac.domain.traffic import shift_dns
from evac.handlers._serving import serving_reads
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll, Run
    from evac.domain.plan import RecoveryPlan


@step(ShiftInput)
def lambda_handler(event: ShiftInput) -> Poll:
    return shift(event.run, settings().plan, event.previous)


def shift(run: Run, plan: RecoveryPlan, previous: Poll | None) -> Poll:
    """Move traffic to this region as far as its capacity allows (the runbook's step and ARC's custom action)."""
    return shift_dns(
        run,
        plan,
        previous,
        records=WeightedRecords(probe=asks_control_plane_once(run, plan)),
        endpoints=SageMakerEndpoints(run.target_region),
        switch=traffic_switch(plan),
        resources=serving_reads(plan, run.target_region),
    )
