"""`evac decide`: what the trigger policy would do with an alarm event, with no side effect.

The answer is the policy's own (``screen`` then ``confirm``), evaluated as the stack that would act on the event (in
``account``, when known: an event from another account is ignored, as the deployed trigger ignores it), against an
assumed world: the event's alarm (and any ``alarming``) held through the sustain window, every other
alarm OK, the failing region still writing, no recent failover, automatic failover not paused.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
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
    account: str | None = None  # the account screened as; None: every account taken as the stack's own
    account_source: str | None = None  # where it came from: option, credentials or plan


# One quick try: `evac decide` must answer offline too.
_QUICK = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 1})


def caller_account(region: str) -> str | None:
    """The account of the credentials in use (STS GetCallerIdentity, on the region's own endpoint); None when there
    are no credentials or STS cannot be reached.

    >>> caller_account("us-west-2")  # doctest: +SKIP
    '123456789012'
    """
    try:
        sts = boto3.client("sts", region_name=region, endpoint_url=f"https://sts.{region}.amazonaws.com", config=_QUICK)
        return str(sts.get_caller_identity()["Account"])
    except (BotoCoreError, ClientError):
        return None


def account_to_screen(option: str | None, plan: RecoveryPlan) -> tuple[str | None, str | None]:
    """(account, where it came from): ``--account``, else the credentials' (when reachable), else the plan's."""
    if option is not None:
        return option, "option"
    if found := caller_account(plan.regions.secondary):
        return found, "credentials"
    if plan.account is not None:
        return plan.account, "plan"
    return None, None


def decide(
    event: Any,
    plan: RecoveryPlan,
    *,
    alarming: Collection[str] = (),
    account: str | None = None,
    account_source: str | None = None,
) -> Answer:
    try:
        signal = parse_alarm_event(event)
    except NotAStateChangeError as exc:
        return Answer(decision="ignore", reason=str(exc))
    except ValidationError as exc:
        return Answer(decision="reject", reason=f"invalid alarm event: {problems(exc)}")
    alarm = plan.alarm(signal.name)
    here = plan.peer(alarm.watched_region) if alarm else plan.regions.secondary
    screened = screen(signal, plan, here=here, account=account)
    screened_as = {"account": account, "account_source": account_source}
    if screened.action != "wait" or alarm is None:
        return Answer(decision=screened.action, reason=screened.reason, stack_region=here, **screened_as)
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
        **screened_as,
    )
