"""`evac decide`: what the trigger policy would do with an alarm event, with no side effect.

The answer is the policy's own (``screen`` then ``confirm``), evaluated as the stack that would act on the event,
against an assumed world: the event's alarm (and any ``alarming``) held through the sustain window, every other
alarm OK, the failing region still writing, no recent failover, automatic failover not paused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from evac.alarm_events import NotAStateChangeError, ValidationError, parse_alarm_event, watch_name
from evac.domain.trigger import AlarmReading, World, confirm, screen
from evac.errors import problems

if TYPE_CHECKING:
    from collections.abc import Collection

    from evac.domain.plan import RecoveryPlan


class Answer(BaseModel):
    decision: str
    reason: str
    execution: str | None = None  # the runbook execution it would start
    incident: str | None = None
    stack_region: str | None = None  # the region whose evac stack acts on the event
    watch: str | None = None
    sustain_seconds: int | None = None
    assumed_alarming: list[str] = []


def decide(event: Any, plan: RecoveryPlan, *, alarming: Collection[str] = ()) -> Answer:
    try:
        signal = parse_alarm_event(event)
    except NotAStateChangeError as exc:
        return Answer(decision="ignore", reason=str(exc))
    except ValidationError as exc:
        return Answer(decision="reject", reason=f"invalid alarm event: {problems(exc)}")
    alarm = plan.alarm(signal.name)
    here = plan.peer(alarm.watched_region) if alarm else plan.regions.secondary
    screened = screen(signal, plan, here=here)
    if screened.action != "wait" or alarm is None:
        return Answer(decision=screened.action, reason=screened.reason, stack_region=here)
    holding = {signal.name, *alarming}
    sustain = plan.trigger.sustain_seconds
    readings = {
        a.name: AlarmReading("ALARM", signal.at) if a.name in holding else AlarmReading("OK", signal.at - timedelta(1))
        for a in plan.alarms
    }
    world = World(
        now=signal.at + timedelta(seconds=sustain),
        alarms=readings,
        writer_region=alarm.watched_region,
        last_failover=None,
        paused=False,
    )
    confirmed = confirm(signal, plan, world)
    return Answer(
        decision=confirmed.action,
        reason=confirmed.reason if confirmed.action != "start" else f"{confirmed.reason} (after {sustain} s sustain)",
        execution=confirmed.execution_name,
        incident=screened.execution_name,
        stack_region=here,
        watch=watch_name(signal),
        sustain_seconds=sustain,
        assumed_alarming=sorted(holding),
    )
