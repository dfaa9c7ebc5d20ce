"""Runbook step, one per endpoint (the ScaleEndpoints Map): raise its autoscaling floor and instance count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.autoscaling import VariantScaling
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.models import EndpointInput
from evac.domain.runbook import scale_endpoint
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(EndpointInput)
def lambda_handler(event: EndpointInput) -> Poll:
    region = event.run.target_region
    return scale_endpoint(
        event.run,
        settings().plan,
        event.endpoint,
        endpoints=SageMakerEndpoints(region),
        autoscaling=VariantScaling(region),
    )
