"""Runbook step after a planned move: return the old active region to warm standby capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.autoscaling import VariantScaling
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.models import StepInput
from evac.domain.runbook import stand_by
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Standby


@step(StepInput)
def lambda_handler(event: StepInput) -> Standby:
    region = event.run.source_region
    return stand_by(
        event.run, settings().plan, endpoints=SageMakerEndpoints(region), autoscaling=VariantScaling(region)
    )
