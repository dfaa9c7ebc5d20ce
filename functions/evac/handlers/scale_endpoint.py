"""Runbook step, one per endpoint (the ScaleEndpoints Map): raise its autoscaling floor and instance count (and put
back the autoscaling an earlier run's capacity fallback left in the runs table, if the endpoint already serves)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.autoscaling import VariantScaling
from evac.aws.dynamodb import Ledger
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.models import EndpointInput
from evac.domain.runbook import scale_endpoint
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll, Run
    from evac.domain.plan import RecoveryPlan


@step(EndpointInput)
def lambda_handler(event: EndpointInput) -> Poll:
    return scale(event.run, settings().plan, event.endpoint)


def scale(run: Run, plan: RecoveryPlan, endpoint: str) -> Poll:
    """Start ``endpoint``'s scale-up on this region's AWS (the runbook's step and ARC's custom action)."""
    region, config = run.target_region, settings()
    return scale_endpoint(
        run,
        plan,
        endpoint,
        endpoints=SageMakerEndpoints(region),
        autoscaling=VariantScaling(region),
        saved=Ledger(config.table, region),
    )
