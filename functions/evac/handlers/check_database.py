"""Runbook poll: is the target cluster the global writer yet?"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.rds import AuroraGlobal
from evac.domain.models import PollInput
from evac.domain.runbook import check_database
from evac.handlers._step import step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Poll


@step(PollInput)
def lambda_handler(event: PollInput) -> Poll:
    return check_database(event.run, settings().plan, event.poll, database=AuroraGlobal(event.run.target_region))
