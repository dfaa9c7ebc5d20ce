"""Runbook poll: has the Route 53 change propagated (INSYNC)?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.data_plane import traffic_switch
from evac.aws.route53 import WeightedRecords
from evac.domain.dns_switch import asks_control_plane_once
from evac.domain.models import PollInput
from evac.domain.traffic import check_dns
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(PollInput)
def lambda_handler(event: PollInput) -> Poll:
    plan = settings().plan
    records = WeightedRecords(probe=asks_control_plane_once(event.run, plan))
    return check_dns(event.run, plan, event.poll, records=records, switch=traffic_switch(plan))
