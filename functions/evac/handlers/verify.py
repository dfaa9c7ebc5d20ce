"""Runbook step: prove recovery — writer region, DNS weights INSYNC, InService capacity for the traffic, a canary
inference per endpoint."""

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
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Verification


@step(VerifyInput)
def lambda_handler(event: VerifyInput) -> Verification:
    region, plan = event.run.target_region, settings().plan
    return verify(
        event.run,
        plan,
        event.dns,
        event.previous,
        database=AuroraGlobal(region),
        canary=CanaryInvoker(region),
        records=WeightedRecords(probe=asks_control_plane_once(event.run, plan)),
        endpoints=SageMakerEndpoints(region),
        switch=traffic_switch(plan),
    )
