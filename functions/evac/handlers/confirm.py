"""The watch's step: after the sustain window, re-read the world and decide whether the runbook starts.

The watch state machine (``state_machines/confirm.asl.json``) starts the runbook itself, named after the incident,
so duplicate confirmations of one incident start it once.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from evac import clock
from evac.aws.cloudwatch import AlarmStates
from evac.aws.dynamodb import Ledger
from evac.aws.rds import AuroraGlobal
from evac.aws.ssm import AutomaticFailoverSwitch
from evac.domain.trigger import AlarmReading, AlarmSignal, World, confirm, incident_of, notice_kind
from evac.domain.watch import Confirmation, WatchInput
from evac.handlers._step import logger, step
from evac.settings import Settings, settings

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.plan import RecoveryPlan


@step(WatchInput)
def lambda_handler(event: WatchInput) -> Confirmation:
    config = settings()
    signal = AlarmSignal(**event.signal.model_dump())
    decision = confirm(signal, config.plan, read_world(config))
    incident = decision.execution_name or incident_of(signal, config.plan)
    kind = notice_kind(decision)
    # One message per incident decision: every watch of the incident (one per alarm change) decides, the first to
    # claim the decision in the ledger tells people. A claim is one conditional put; Powertools Idempotency would
    # replay the first watch's answer ("notify") to the others, the opposite of what is wanted here.
    notify = kind is not None and Ledger(config.table, config.region).claim_notice(incident, kind, clock.now())
    logger.info(
        "alarm confirmed" if decision.action == "start" else "failover not started",
        extra={"decision": decision.action, "reason": decision.reason, "incident": incident, "notify": notify},
    )
    return Confirmation(
        action=decision.action,
        reason=decision.reason,
        held_back=decision.held_back,
        execution=decision.execution_name,
        request=decision.request,
        incident=incident,
        notify=notify,
    )


def read_world(config: Settings) -> World:
    """What the policy needs, read from this region, and from the others only through the bounded probe client."""
    plan, here, now = config.plan, config.region, clock.now()
    alarms: dict[str, AlarmReading] = {}
    for region, group in groupby(sorted(plan.alarms, key=lambda a: a.region), key=lambda a: a.region):
        read = AlarmStates(region, probe=region != here).read([a.name for a in group])
        if unread := {name: f"{r.reading}: {r.error}" for name, r in read.items() if r.unread}:
            logger.warning("alarms unreadable: not evidence of failure", extra={"region": region, "alarms": unread})
        alarms |= read
    return World(
        now=now,
        alarms=alarms,
        writer_region=AuroraGlobal(here).global_state(plan.database.global_cluster).writer_region,
        last_failover=_last_failover(config, plan),
        paused=AutomaticFailoverSwitch(here).paused(plan.pause_parameter),
        in_flight=Ledger(config.table, here).run_in_flight(plan.application, now),
    )


def _last_failover(config: Settings, plan: RecoveryPlan) -> datetime | None:
    """The latest failover either region's ledger knows (the other's read with the probe; silent if it is down)."""
    seen = [Ledger(config.table, config.region).last_failover(plan.application)]
    try:
        seen.append(Ledger(config.table, plan.peer(config.region), probe=True).last_failover(plan.application))
    except (BotoCoreError, ClientError):  # the peer may be the failing region: its ledger is a bonus, not a need
        logger.warning("peer ledger unreadable", extra={"region": plan.peer(config.region)})
    return max((at for at in seen if at is not None), default=None)
