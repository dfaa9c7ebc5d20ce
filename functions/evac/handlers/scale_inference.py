"""Runbook step: raise the target endpoints' autoscaling floor and instance count to the plan's capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.autoscaling import VariantScaling
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.models import StepInput
from evac.domain.runbook import scale_inference
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(StepInput)
def lambda_handler(event: StepInput) -> Poll:
    region = event.run.target_region
    return scale_inference(
        event.run, settings().plan, endpoints=SageMakerEndpoints(region), autoscaling=VariantScaling(region)
    )
