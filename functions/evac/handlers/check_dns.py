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
    from evac.domain.models import Poll, Run
    from evac.domain.plan import RecoveryPlan


@step(PollInput)
def lambda_handler(event: PollInput) -> Poll:
    return propagated(event.run, settings().plan, event.poll)


def propagated(run: Run, plan: RecoveryPlan, poll: Poll) -> Poll:
    """Look at a traffic move in flight (the runbook's poll and ARC's custom action)."""
    records = WeightedRecords(probe=asks_control_plane_once(run, plan))
    return check_dns(run, plan, poll, records=records, switch=traffic_switch(plan))
