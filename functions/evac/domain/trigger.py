"""The trigger policy: which alarm events may fail the application over, and when.

Two stages, both pure:

- ``screen`` runs in the trigger on every event: is it a plan alarm entering ALARM whose failover target is this
  stack's region? If so the incident is *watched*: a small state machine waits the plan's sustain window (a Step
  Functions Wait, never a sleeping Lambda) and then
- ``confirm`` re-reads the world: the kill switch, the cooldown, which region writes, the target's own alarms, and
  whether the alarm still holds, with a quorum of the failing region's alarms in ALARM. Only then does a runbook
  start.

It fails closed (DESIGN, principle 2): an alarm that cannot be read is not evidence of failure. A refusal
(throttling, AccessDenied, a validation error) never holds, and holds the failover back, notified, when the decision
depends on it; silence (the alarm's region does not answer) holds only with outside-in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from evac.domain.decisions import incident_id
from evac.domain.models import RunbookInput

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.plan import Alarm, RecoveryPlan

Action = Literal["start", "wait", "ignore", "reject"]
# How an alarm was read at confirmation: its region answered with its state, refused the read (an error answer:
# throttling, AccessDenied, validation), or stayed silent (no answer: connect or read timeout, no endpoint).
ReadKind = Literal["state", "refused", "silent"]


@dataclass(frozen=True)
class AlarmSignal:
    """One alarm state change, whatever shape it arrived in."""

    name: str
    region: str
    account: str
    state: str
    previous_state: str | None
    at: datetime
    changed_at: datetime | None = None  # when the alarm entered ``state`` (the event's ``detail.state.timestamp``)


@dataclass(frozen=True)
class AlarmReading:
    """An alarm's state as re-read at confirmation; ``state`` None unless its region answered with it.

    ``reading`` says how the read went and ``error`` why it failed: the error code and message of a refusal
    (``Throttling: Rate exceeded``), or what kept the region silent (``ConnectTimeoutError``).

    >>> AlarmReading.refused("AccessDenied: not authorized").reading
    'refused'
    """

    state: str | None
    since: datetime | None
    reading: ReadKind = "state"
    error: str | None = None

    def __post_init__(self) -> None:
        if (self.reading == "state") != (self.state is not None):
            raise ValueError(f"an alarm reading of kind {self.reading!r} has state {self.state!r}")

    @classmethod
    def refused(cls, error: str) -> AlarmReading:
        return cls(state=None, since=None, reading="refused", error=error)

    @classmethod
    def silent(cls, error: str) -> AlarmReading:
        return cls(state=None, since=None, reading="silent", error=error)

    @property
    def unread(self) -> bool:
        return self.reading != "state"


@dataclass(frozen=True)
class World:
    """What ``confirm`` reads once the sustain window has passed."""

    now: datetime
    alarms: dict[str, AlarmReading]
    writer_region: str | None
    last_failover: datetime | None
    paused: bool
    in_flight: str | None = None  # the incident whose run holds the application's lock within its lease


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    request: RunbookInput | None = None
    held_back: bool = False  # a failover a guard or an unreadable alarm stopped: tell people why

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

    Fails closed: an alarm that cannot be read is not evidence of failure.

    - *Refused* (its region answered with an error: throttling, AccessDenied, validation): it never holds.
    - *Silent* (its region did not answer): it holds only if it lives in the failing region and an alarm that lives
      outside that region, and was read, holds too (outside-in agreement). The opening alarm's sustain check is no
      exception: silent, it is sustained only with that agreement.

    When the quorum is not met but would be if the unread alarms held, the failover is held back (``held_back``,
    notified) with a reason naming each alarm, its region and the error. A start is held back too while one of the
    target's own alarms cannot be read (except one silent with the failing region): nobody can tell whether the
    target is failing.

    Example: the 5xx alarm went ALARM then OK within the window and DescribeAlarms in its region is throttled:
    ``Decision("ignore", "cannot read alarm fraud-scoring-inference-5xx in us-east-1 (Throttling: Rate exceeded);
    ...: not evidence of failure; failover held back (0 of 2 alarm(s) on us-east-1 hold (none))", held_back=True)``.
    """
    alarm = plan.alarm(signal.name)
    if alarm is None:  # screened already; kept so confirm is safe on its own
        return Decision("ignore", f"alarm {signal.name!r} is not in the plan")
    source, target = alarm.watched_region, plan.peer(alarm.watched_region)
    if refused := _guards(plan, world, target):
        return _naming_alarms(refused, plan, world, source)
    sustain, quorum = plan.trigger.sustain_seconds, plan.trigger.quorum
    watching = plan.watching(source)
    agreeing = [
        a for a in watching if a.region != source and not _read(a, world).unread and _holds(a, signal, world, sustain)
    ]
    holding = [a for a in watching if _counts(a, signal, world, sustain, agreeing=bool(agreeing))]
    names = ", ".join(a.name for a in holding) or "none"
    held = f"{len(holding)} of {quorum} alarm(s) on {source} hold ({names})"
    if len(holding) < quorum:
        unread = [a for a in watching if a not in holding and _read(a, world).unread]
        if unread and len(holding) + len(unread) >= quorum:
            why = "; ".join(_unreadable(a, world) for a in unread)
            if any(_read(a, world).reading == "silent" for a in unread):
                why += f"; no alarm outside {source} agrees that it is failing"
            return Decision("ignore", f"{why}: not evidence of failure; failover held back ({held})", held_back=True)
        return _quorum_not_met(plan, signal, holding, source, names)
    if blind := [a for a in plan.watching(target) if _blind(a, world, source)]:
        why = "; ".join(_unreadable(a, world) for a in blind)
        return Decision(
            "ignore",
            f"{why}: cannot tell whether the target {target} is failing; failover held back ({held})",
            held_back=True,
        )
    first = min(_since(a, signal, world) for a in holding)
    # The runbook's reason names the evidence first (alarms read in ALARM), then the silent ones counted on it.
    evidence = ", ".join(a.name for a in holding if _read(a, world).reading != "silent")
    reason = f"alarms held: {evidence}"
    if silent := [a.name for a in holding if _read(a, world).reading == "silent"]:
        outside = ", ".join(a.name for a in agreeing)
        names += f"; {', '.join(silent)} silent, counted on the outside-in agreement of {outside}"
        reason += f"; silent, counted on that agreement: {', '.join(silent)}"
    summary = f"{len(holding)} alarm(s) on {source} held for {sustain} s ({names})"
    return Decision("start", f"{summary}: failing over to {target}", _request(plan, alarm, target, first, reason))


def _naming_alarms(refused: Decision, plan: RecoveryPlan, world: World, source: str) -> Decision:
    """A failover a guard held back, its reason naming every alarm in ALARM on ``source``: the one message people
    get about it says which alarms took part."""
    alarming = [a.name for a in plan.watching(source) if _read(a, world).state == "ALARM"]
    if not refused.held_back or not alarming:
        return refused
    return replace(refused, reason=f"{refused.reason} (in ALARM on {source}: {', '.join(alarming)})")


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
    """Kill switch, active region, a run in flight, cooldown, and the target's own health, in that order; None when
    all pass."""
    if world.paused:
        return Decision(
            "ignore", f"automatic failover is paused (SSM parameter {plan.pause_parameter} = paused)", held_back=True
        )
    if world.writer_region == target:
        return Decision("ignore", f"{target} is already the active region: nothing to fail over to")
    if world.in_flight is not None:
        # An alarm that went back to ALARM while a run waits (for a person, say) is the same outage, not a new
        # incident to start (and fail on the lock): the run in flight decides, and people already know of it.
        return Decision("ignore", f"the run of {world.in_flight} is in flight (it holds the lock): it decides")
    if world.last_failover is not None:
        since = (world.now - world.last_failover).total_seconds()
        if since < plan.trigger.cooldown_seconds:
            return Decision(
                "ignore",
                f"cooldown: the last failover was {since:.0f} s ago, within the plan's "
                f"{plan.trigger.cooldown_seconds} s (no ping-pong)",
                held_back=True,
            )
    if alarming := [a.name for a in plan.watching(target) if _read(a, world).state == "ALARM"]:
        return Decision(
            "ignore",
            f"the target {target} is alarming too ({', '.join(alarming)}): failing over would not help",
            held_back=True,
        )
    return None


_UNKNOWN = AlarmReading.refused("not read")  # every plan alarm is read; one missing is no evidence


def _read(alarm: Alarm, world: World) -> AlarmReading:
    return world.alarms.get(alarm.name, _UNKNOWN)


def _since(alarm: Alarm, signal: AlarmSignal, world: World) -> datetime:
    return _read(alarm, world).since or signal.at


def _counts(alarm: Alarm, signal: AlarmSignal, world: World, sustain_seconds: int, *, agreeing: bool) -> bool:
    """Whether ``alarm`` counts toward the quorum: read and holding, or silent with the failing region itself while
    alarms outside it agree. A refusal never counts."""
    reading = _read(alarm, world)
    if reading.reading == "silent":
        return agreeing and alarm.region == alarm.watched_region
    return reading.reading == "state" and _holds(alarm, signal, world, sustain_seconds)


def _holds(alarm: Alarm, signal: AlarmSignal, world: World, sustain_seconds: int) -> bool:
    """The alarm that opened the incident must have stayed in ALARM for the whole sustain window; the others of the
    quorum must be in ALARM now (a composite alarm's AND, evaluated once the first signal has proved itself)."""
    reading = _read(alarm, world)
    if alarm.name != signal.name:
        return reading.state == "ALARM"
    return reading.state == "ALARM" and (world.now - _since(alarm, signal, world)).total_seconds() >= sustain_seconds


def _blind(alarm: Alarm, world: World, source: str) -> bool:
    """A target alarm nobody could read: refused, or silent while it lives elsewhere than the failing region."""
    reading = _read(alarm, world)
    return reading.reading == "refused" or (reading.reading == "silent" and alarm.region != source)


def _unreadable(alarm: Alarm, world: World) -> str:
    """Why ``alarm`` is no evidence: its region refused the read, or did not answer."""
    reading = _read(alarm, world)
    if reading.reading == "refused":
        return f"cannot read alarm {alarm.name} in {alarm.region} ({reading.error})"
    return f"alarm {alarm.name} in {alarm.region} did not answer ({reading.error})"


def _request(plan: RecoveryPlan, alarm: Alarm, target: str, at: datetime, reason: str) -> RunbookInput:
    incident = incident_id(
        plan.application, alarm.watched_region, target, at, window_seconds=plan.trigger.incident_window_seconds
    )
    return RunbookInput(incident_id=incident, mode="unplanned", target_region=target, detected_at=at, reason=reason)


def notice_kind(decision: Decision) -> str | None:
    """Which incident decision ``decision`` is, for the one message people get about it: ``started`` or
    ``held-back``; None for one nobody is told about (a blip, an ignored event)."""
    if decision.action == "start":
        return "started"
    return "held-back" if decision.held_back else None


def incident_of(signal: AlarmSignal, plan: RecoveryPlan) -> str:
    """The incident an alarm change belongs to, as a start would name it (``incident_id``); "" if not a plan alarm."""
    alarm = plan.alarm(signal.name)
    if alarm is None:
        return ""
    target = plan.peer(alarm.watched_region)
    return incident_id(
        plan.application, alarm.watched_region, target, signal.at, window_seconds=plan.trigger.incident_window_seconds
    )
