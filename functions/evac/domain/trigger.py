"""The trigger policy: which alarm events may fail the application over, and when.

Two stages, both pure:

- ``screen`` runs in the trigger on every event: is it a plan alarm entering ALARM whose failover target is this
  stack's region? If so the incident is *watched*: a small state machine waits the plan's sustain window (a Step
  Functions Wait, never a sleeping Lambda) and then
- ``confirm`` re-reads the world: the kill switch, the cooldown, which region writes, the target's own alarms, and
  whether the alarm still holds, with a quorum of the failing region's alarms in ALARM. Only then does a runbook
  start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from evac.domain.decisions import incident_id
from evac.domain.models import RunbookInput

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.plan import Alarm, RecoveryPlan

Action = Literal["start", "wait", "ignore", "reject"]


@dataclass(frozen=True)
class AlarmSignal:
    """One alarm state change, whatever shape it arrived in."""

    name: str
    region: str
    account: str
    state: str
    previous_state: str | None
    at: datetime


@dataclass(frozen=True)
class AlarmReading:
    """An alarm's state as re-read at confirmation; ``state`` None when its region did not answer."""

    state: str | None
    since: datetime | None


@dataclass(frozen=True)
class World:
    """What ``confirm`` reads once the sustain window has passed."""

    now: datetime
    alarms: dict[str, AlarmReading]
    writer_region: str | None
    last_failover: datetime | None
    paused: bool


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    request: RunbookInput | None = None
    held_back: bool = False  # a failover the policy refused while the failing region's alarms hold: tell people

    @property
    def execution_name(self) -> str | None:
        return self.request.incident_id if self.request else None


def screen(  # noqa: PLR0911 - one early return per reason to ignore, each with its own message
    signal: AlarmSignal, plan: RecoveryPlan, *, here: str, account: str | None = None
) -> Decision:
    """Decide whether an alarm event opens (or joins) an incident this stack should confirm.

    Returns ``wait`` with the incident's runbook input when it does; ``ignore`` with the reason otherwise.
    """
    alarm = plan.alarm(signal.name)
    if alarm is None:
        return Decision("ignore", f"alarm {signal.name!r} is not in the {plan.application} plan")
    if account is not None and signal.account != account:
        return Decision("ignore", f"alarm {signal.name!r} belongs to account {signal.account}, not {account}")
    if signal.region != alarm.region:
        return Decision(
            "ignore", f"alarm {signal.name!r} fired in {signal.region}; the plan places it in {alarm.region}"
        )
    if signal.state != "ALARM":
        return Decision("ignore", f"alarm {signal.name!r} went to {signal.state}, not ALARM")
    target = plan.peer(alarm.watched_region)
    if target != here:
        return Decision("ignore", f"alarm {signal.name!r} calls for a failover to {target}; this stack promotes {here}")
    if not plan.trigger.automatic:
        return Decision("ignore", "automatic failover is off in the plan (trigger.automatic: false)")
    return Decision(
        "wait",
        f"alarm {signal.name!r} in ALARM: {alarm.watched_region} may be failing; "
        f"confirming after {plan.trigger.sustain_seconds} s",
        _request(plan, alarm, target, signal.at, f"alarm {signal.name} entered ALARM in {signal.region}"),
    )


def confirm(signal: AlarmSignal, plan: RecoveryPlan, world: World) -> Decision:
    """After the sustain window: start the runbook only if every guard passes and a quorum of alarms holds.

    Alarms of the failing region that cannot be read (its API does not answer) count as holding: a region that
    stops answering is failing, and the event that opened the incident already proved one ALARM.
    """
    alarm = plan.alarm(signal.name)
    if alarm is None:  # screened already; kept so confirm is safe on its own
        return Decision("ignore", f"alarm {signal.name!r} is not in the plan")
    source, target = alarm.watched_region, plan.peer(alarm.watched_region)
    if refused := _guards(plan, world, target):
        return refused
    holding = [a for a in plan.watching(source) if _holds(a, signal, world, plan.trigger.sustain_seconds)]
    names = ", ".join(a.name for a in holding) or "none"
    if len(holding) < plan.trigger.quorum:
        return _quorum_not_met(plan, signal, holding, source, names)
    first = min(_since(a, signal, world) for a in holding)
    held = f"{len(holding)} alarm(s) on {source} held for {plan.trigger.sustain_seconds} s ({names})"
    return Decision(
        "start", f"{held}: failing over to {target}", _request(plan, alarm, target, first, f"alarms held: {names}")
    )


def _quorum_not_met(plan: RecoveryPlan, signal: AlarmSignal, holding: list[Alarm], source: str, names: str) -> Decision:
    """No failover; held back (and so notified) when the alarm that opened the incident did hold: one vantage point,
    or one signal, alone saw ``source`` fail (a prober's own network trouble is no regional outage). A blip that did
    not hold is not worth a page."""
    reason = f"quorum not met: {len(holding)} of {plan.trigger.quorum} alarm(s) on {source} hold ({names})"
    if any(a.name == signal.name for a in holding):
        where = ", ".join(sorted({a.region for a in holding}))
        return Decision("wait", f"{reason}; held back: seen only from {where}", held_back=True)
    return Decision("wait", reason)


def _guards(plan: RecoveryPlan, world: World, target: str) -> Decision | None:
    """Kill switch, active region, cooldown, and the target's own health, in that order; None when all pass."""
    if world.paused:
        return Decision(
            "ignore", f"automatic failover is paused (SSM parameter {plan.pause_parameter} = paused)", held_back=True
        )
    if world.writer_region == target:
        return Decision("ignore", f"{target} is already the active region: nothing to fail over to")
    if world.last_failover is not None:
        since = (world.now - world.last_failover).total_seconds()
        if since < plan.trigger.cooldown_seconds:
            return Decision(
                "ignore",
                f"cooldown: the last failover was {since:.0f} s ago, within the plan's "
                f"{plan.trigger.cooldown_seconds} s (no ping-pong)",
                held_back=True,
            )
    if alarming := [a.name for a in plan.watching(target) if world.alarms.get(a.name, _UNKNOWN).state == "ALARM"]:
        return Decision(
            "ignore",
            f"the target {target} is alarming too ({', '.join(alarming)}): failing over would not help",
            held_back=True,
        )
    return None


_UNKNOWN = AlarmReading(state=None, since=None)


def _since(alarm: Alarm, signal: AlarmSignal, world: World) -> datetime:
    reading = world.alarms.get(alarm.name, _UNKNOWN)
    return reading.since or signal.at


def _holds(alarm: Alarm, signal: AlarmSignal, world: World, sustain_seconds: int) -> bool:
    """The alarm that opened the incident must have stayed in ALARM for the whole sustain window; the others of the
    quorum must be in ALARM now (a composite alarm's AND, evaluated once the first signal has proved itself)."""
    reading = world.alarms.get(alarm.name, _UNKNOWN)
    if reading.state is None:
        return True
    if alarm.name != signal.name:
        return reading.state == "ALARM"
    return reading.state == "ALARM" and (world.now - _since(alarm, signal, world)).total_seconds() >= sustain_seconds


def _request(plan: RecoveryPlan, alarm: Alarm, target: str, at: datetime, reason: str) -> RunbookInput:
    incident = incident_id(
        plan.application, alarm.watched_region, target, at, window_seconds=plan.trigger.incident_window_seconds
    )
    return RunbookInput(incident_id=incident, mode="unplanned", target_region=target, detected_at=at, reason=reason)
