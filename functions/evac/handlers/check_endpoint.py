"""Runbook poll of every endpoint in one task (the AwaitEndpoints loop, the follow-capacity ramp's CheckCapacity): is
each InService at the plan's capacity? Falls back to the plan's other instance types when the target has no capacity
for the first, its autoscaling saved in the runs table while the variant is deregistered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.autoscaling import VariantScaling
from evac.aws.dynamodb import Ledger
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.endpoint_polls import check_endpoints
from evac.domain.models import EndpointPollsInput
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from typing import Literal

    from evac.domain.models import EndpointPolls, Poll, Run
    from evac.domain.plan import RecoveryPlan


@step(EndpointPollsInput)
def lambda_handler(event: EndpointPollsInput) -> EndpointPolls:
    return check(event.run, settings().plan, event.polls, look=event.look)


def check(run: Run, plan: RecoveryPlan, polls: list[Poll], *, look: Literal["due", "all"]) -> EndpointPolls:
    """Look at the endpoints' polls on this region's AWS (the runbook's step and ARC's custom action)."""
    region, config = run.target_region, settings()
    return check_endpoints(
        run,
        plan,
        polls,
        look=look,
        endpoints=SageMakerEndpoints(region),
        autoscaling=VariantScaling(region),
        saved=Ledger(config.table, region),
    )
