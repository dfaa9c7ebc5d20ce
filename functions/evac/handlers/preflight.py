"""Runbook step 2: check the target region can be promoted; nothing changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.rds import AuroraGlobal
from evac.aws.route53 import WeightedRecords
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.models import StepInput
from evac.domain.runbook import preflight
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Preflight


@step(StepInput)
def lambda_handler(event: StepInput) -> Preflight:
    region = event.run.target_region
    return preflight(
        event.run,
        settings().plan,
        database=AuroraGlobal(region),
        endpoints=SageMakerEndpoints(region),
        records=WeightedRecords(),
    )
