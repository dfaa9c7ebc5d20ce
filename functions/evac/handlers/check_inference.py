"""Runbook poll: are the target endpoints InService at the plan's capacity?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.models import PollInput
from evac.domain.runbook import check_inference
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(PollInput)
def lambda_handler(event: PollInput) -> Poll:
    return check_inference(
        event.run, settings().plan, event.poll, endpoints=SageMakerEndpoints(event.run.target_region)
    )
