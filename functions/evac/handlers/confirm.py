"""The watch's step: after the sustain window, re-read the world and decide whether the runbook starts.

The watch state machine (``state_machines/confirm.asl.json``) starts the runbook itself, named after the incident,
so duplicate confirmations of one incident start it once.
"""

from __future__ import annotations

from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING, cast

from botocore.exceptions import BotoCoreError, ClientError

from evac import clock
from evac.aws.cloudwatch import AlarmStates
from evac.aws.dynamodb import Ledger
from evac.aws.rds import AuroraGlobal
from evac.aws.ssm import AutomaticFailoverSwitch
from evac.domain.fanout import each
from evac.domain.trigger import AlarmReading, AlarmSignal, World, confirm, incident_of, notice_kind
from evac.domain.watch import Confirmation, WatchInput
from evac.handlers._step import logger, step
from evac.settings import Settings, settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from evac.domain.plan import Alarm, RecoveryPlan


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
    """What the policy needs, read from this region, and from the others only through the bounded probe client: every
    read side by side (each is a tenth of a second on the way to the runbook; a silent region's bounded timeout then
    holds up none of the others)."""
    plan, here, now = config.plan, config.region, clock.now()
    regions = groupby(sorted(plan.alarms, key=_region), _region)
    reads: list[Callable[[], object]] = [
        partial(_alarms_in, r, [a.name for a in alarms], here) for r, alarms in regions
    ]
    reads += [
        lambda: AuroraGlobal(here).global_state(plan.database.global_cluster).writer_region,
        lambda: _last_failover(config, plan),
        lambda: AutomaticFailoverSwitch(here).paused(plan.pause_parameter),
        lambda: Ledger(config.table, here).run_in_flight(plan.application, now),
    ]
    *alarms_read, writer, last_failover, paused, in_flight = each(lambda read: read(), reads)
    alarms: dict[str, AlarmReading] = {}
    for read in cast("list[dict[str, AlarmReading]]", alarms_read):
        alarms |= read
    return World(
        now=now,
        alarms=alarms,
        writer_region=cast("str | None", writer),
        last_failover=cast("datetime | None", last_failover),
        paused=cast("bool", paused),
        in_flight=cast("str | None", in_flight),
    )


def _region(alarm: Alarm) -> str:
    return alarm.region


def _alarms_in(region: str, names: list[str], here: str) -> dict[str, AlarmReading]:
    """The alarms of ``region``, in one call; another region's through the probe client."""
    read = AlarmStates(region, probe=region != here).read(names)
    if unread := {name: f"{r.reading}: {r.error}" for name, r in read.items() if r.unread}:
        logger.warning("alarms unreadable: not evidence of failure", extra={"region": region, "alarms": unread})
    return read


def _last_failover(config: Settings, plan: RecoveryPlan) -> datetime | None:
    """The latest failover either region's ledger knows (the other's read with the probe; silent if it is down)."""
    seen = [Ledger(config.table, config.region).last_failover(plan.application)]
    try:
        seen.append(Ledger(config.table, plan.peer(config.region), probe=True).last_failover(plan.application))
    except (BotoCoreError, ClientError):  # the peer may be the failing region: its ledger is a bonus, not a need
        logger.warning("peer ledger unreadable", extra={"region": plan.peer(config.region)})
    return max((at for at in seen if at is not None), default=None)
