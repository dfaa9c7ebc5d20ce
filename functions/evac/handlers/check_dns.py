"""Runbook poll: has the Route 53 change propagated (INSYNC)?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.route53 import WeightedRecords
from evac.domain.models import PollInput
from evac.domain.traffic import check_dns
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(PollInput)
def lambda_handler(event: PollInput) -> Poll:
    return check_dns(settings().plan, event.poll, records=WeightedRecords())
