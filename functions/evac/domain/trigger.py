"""The trigger's decision: does this alarm event start a failover runbook here, and which one?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from evac.domain.decisions import incident_id
from evac.domain.models import RunbookInput

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.plan import RecoveryPlan

Action = Literal["start", "ignore", "reject"]


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
class Decision:
    action: Action
    reason: str
    request: RunbookInput | None = None

    @property
    def execution_name(self) -> str | None:
        return self.request.incident_id if self.request else None


def decide(  # noqa: PLR0911 - one early return per reason to ignore, each with its own message
    signal: AlarmSignal, plan: RecoveryPlan, *, here: str, account: str | None = None
) -> Decision:
    """Start a runbook only for a plan alarm entering ALARM whose failover target is this stack's region.

    Every other event is ignored with a reason a person can act on.
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
    incident = incident_id(
        plan.application, alarm.watched_region, target, signal.at, window_seconds=plan.trigger.incident_window_seconds
    )
    request = RunbookInput(
        incident_id=incident,
        mode="unplanned",
        target_region=target,
        detected_at=signal.at,
        reason=f"alarm {signal.name} entered ALARM in {signal.region}",
    )
    return Decision("start", f"alarm {signal.name!r} in ALARM: {alarm.watched_region} is failing", request)
