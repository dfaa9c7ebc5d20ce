"""Runbook step 2: check the target region can be promoted and is ready to serve the model; nothing changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.rds import AuroraGlobal
from evac.aws.readiness_reads import assess_target
from evac.aws.route53 import WeightedRecords
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.dns_switch import asks_control_plane_once
from evac.domain.models import StepInput
from evac.domain.runbook import preflight
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Preflight, Run
    from evac.domain.plan import RecoveryPlan


@step(StepInput)
def lambda_handler(event: StepInput) -> Preflight:
    return check_target(event.run, settings().plan)


def check_target(run: Run, plan: RecoveryPlan) -> Preflight:
    """The preflight of ``run`` on this region's AWS (the runbook's step and ARC's custom action)."""
    region = run.target_region
    return preflight(
        run,
        plan,
        database=AuroraGlobal(region),
        endpoints=SageMakerEndpoints(region),
        records=WeightedRecords(probe=asks_control_plane_once(run, plan)),
        readiness=lambda: assess_target(
            plan, source=run.source_region, target=region, source_may_be_down=run.mode == "unplanned"
        ),
    )
