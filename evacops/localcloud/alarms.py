"""Alarm state changes, delivered as EventBridge delivers them.

moto's ``SetAlarmState`` changes the alarm but emits no event, and moto's EventBridge delivers only to SQS and log
targets. Here the documented ``CloudWatch Alarm State Change`` event is built and offered to each rule the template
declares, in the alarm's region; a rule whose pattern matches (moto's own ``EventPattern`` decides) invokes its
function, or forwards the event to the peer region's bus, where that region's rules are offered it in turn.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import boto3
from moto.events.models import EventPattern

from evacops.localcloud.deploy import ACCOUNT

if TYPE_CHECKING:
    from collections.abc import Callable

    from evacops.localcloud.clock import VirtualClock
    from evacops.localcloud.deploy import Stack


@dataclass
class Delivery:
    rule: str
    region: str
    event: dict[str, Any]
    response: dict[str, Any] | None


@dataclass
class AlarmEvents:
    """``dark(region)`` says a region is blacked out: its CloudWatch and EventBridge deliver nothing."""

    clock: VirtualClock
    stacks: dict[str, Stack]
    dark: Callable[[str], bool] = lambda _region: False
    delivery: float = (
        0.0  # modelled seconds from an event on the bus to its target (``Latencies.eventbridge_delivery``)
    )
    deliveries: list[Delivery] = field(default_factory=list)

    def set_state(
        self, region: str, alarm: str, state: str, reason: str = "drill", *, deliver: bool = True
    ) -> dict[str, Any] | None:
        """Change the alarm's state in moto and deliver the state-change event; returns the event.

        Setting the state an alarm is already in is no transition: no event, as in CloudWatch.
        """
        cloudwatch = boto3.client("cloudwatch", region)
        found = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
        previous = found[0]["StateValue"] if found else "INSUFFICIENT_DATA"
        if previous == state:
            return None
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue=cast("Any", state), StateReason=reason)
        now = self.clock.now()
        # The event's time is to the second; the state's own timestamp to the millisecond, as CloudWatch writes it.
        changed = f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}+0000"
        event = state_change_event(region, alarm, state, previous, reason, f"{now:%Y-%m-%dT%H:%M:%SZ}", changed=changed)
        if deliver:
            self.deliver(region, event)
        return event

    def deliver(self, region: str, event: dict[str, Any]) -> None:
        stack = self.stacks.get(region)
        if stack is None or self.dark(region):
            return
        for rule in stack.rules:
            if not EventPattern.load(json.dumps(rule.pattern)).matches_event(event):  # type: ignore[arg-type]
                continue
            if rule.function_arn:
                self.clock.sleep(self.delivery)
                response = boto3.client("lambda", region).invoke(
                    FunctionName=rule.function_arn, Payload=json.dumps(event).encode()
                )
                self.deliveries.append(Delivery(rule.name, region, event, json.loads(response["Payload"].read())))
            elif rule.bus_arn:
                self.deliveries.append(Delivery(rule.name, region, event, None))
                self.deliver(rule.bus_arn.split(":")[3], event)


def state_change_event(
    region: str, alarm: str, state: str, previous: str, reason: str, at: str, *, changed: str | None = None
) -> dict[str, Any]:
    """The ``CloudWatch Alarm State Change`` event for a metric alarm, in EventBridge's envelope; ``changed``: the
    state's own timestamp (default ``at``)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": ACCOUNT,
        "time": at,
        "region": region,
        "resources": [f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{alarm}"],
        "detail": {
            "alarmName": alarm,
            "state": {"value": state, "reason": reason, "timestamp": changed or at},
            "previousState": {"value": previous, "reason": "", "timestamp": at},
            "configuration": {"description": f"evac plan alarm {alarm}", "metrics": []},
        },
    }
