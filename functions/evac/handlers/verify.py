"""Runbook step: prove recovery — writer region, DNS weights INSYNC, InService capacity for the traffic (every
endpoint's and every serving resource's), a canary inference per endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.data_plane import traffic_switch
from evac.aws.rds import AuroraGlobal
from evac.aws.route53 import WeightedRecords
from evac.aws.sagemaker import SageMakerEndpoints
from evac.aws.sagemaker_runtime import CanaryInvoker
from evac.domain.dns_switch import asks_control_plane_once
from evac.domain.models import VerifyInput
from evac.domain.traffic import verify
from evac.handlers._serving import serving_reads
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll, Run, Verification
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import TrafficSwitch


@step(VerifyInput)
def lambda_handler(event: VerifyInput) -> Verification:
    plan = settings().plan
    return prove(event.run, plan, event.dns, event.previous, switch=traffic_switch(plan))


def prove(
    run: Run, plan: RecoveryPlan, dns: Poll, previous: Verification | None, *, switch: TrafficSwitch | None
) -> Verification:
    """Verify ``run`` on this region's AWS (the runbook's step and ARC's custom action)."""
    region = run.target_region
    return verify(
        run,
        plan,
        dns,
        previous,
        database=AuroraGlobal(region),
        canary=CanaryInvoker(region),
        records=WeightedRecords(probe=asks_control_plane_once(run, plan)),
        endpoints=SageMakerEndpoints(region),
        switch=switch,
        resources=serving_reads(plan, region),
    )
