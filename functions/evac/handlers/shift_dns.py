"""Runbook step: move the weighted record's traffic to the target (only after database and inference are ready)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.route53 import WeightedRecords
from evac.domain.models import StepInput
from evac.domain.runbook import shift_dns
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(StepInput)
def lambda_handler(event: StepInput) -> Poll:
    return shift_dns(event.run, settings().plan, records=WeightedRecords())
