"""Runbook poll, one per endpoint (the AwaitEndpoints Map): is it InService at the plan's capacity? Falls back to
the plan's other instance types when the target has no capacity for the first, its autoscaling saved in the runs
table while the variant is deregistered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.autoscaling import VariantScaling
from evac.aws.dynamodb import Ledger
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.models import PollInput
from evac.domain.runbook import check_endpoint
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(PollInput)
def lambda_handler(event: PollInput) -> Poll:
    region, config = event.run.target_region, settings()
    return check_endpoint(
        event.run,
        config.plan,
        event.poll,
        endpoints=SageMakerEndpoints(region),
        autoscaling=VariantScaling(region),
        saved=Ledger(config.table, region),
    )
