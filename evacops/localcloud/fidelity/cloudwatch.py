"""CloudWatch alarms stamped on the modelled clock (moto 5.2.5: wall time, and every set_alarm_state a change), and
their actions: a state change publishes to the SNS topics of that state's actions (moto 5.2.5: no action runs)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from unittest.mock import patch

from moto.cloudwatch.models import Alarm as FakeAlarm

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.fidelity.sns import ServicePublishes

CLOUDWATCH = "cloudwatch.amazonaws.com"


class AlarmStateClock:
    """An alarm's ``StateUpdatedTimestamp`` is when its state last changed (API_MetricAlarm); moto stamps it with
    wall time, the local cloud with the modelled clock, so "held for N seconds" means modelled seconds. Setting an
    alarm to the state it is already in changes nothing, as in CloudWatch (only transitions are recorded).
    """

    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline

    def install(self, stack: ExitStack) -> None:
        clock = self.timeline.clock
        original = FakeAlarm.update_state

        def update_state(alarm: FakeAlarm, reason: str, reason_data: str, state_value: str) -> None:
            if alarm.state_value == state_value:
                return
            original(alarm, reason, reason_data, state_value)
            alarm.state_updated_timestamp = clock.now()

        stack.enter_context(patch.object(FakeAlarm, "update_state", update_state))


class AlarmActions:
    """ "The actions to execute when this alarm transitions to the ALARM state ... OK state ... INSUFFICIENT_DATA
    state from any other state", only while ``ActionsEnabled`` (API_PutMetricAlarm:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html). Here the SNS topic
    actions: CloudWatch publishes the state change to each topic, as the service, so SNS decides (``sns``) whether
    the topic's key lets it. Install after ``AlarmStateClock`` (only real transitions act).
    """

    def __init__(self, publishes: ServicePublishes) -> None:
        self.publishes = publishes

    def install(self, stack: ExitStack) -> None:
        publishes = self.publishes
        original = FakeAlarm.update_state

        def update_state(alarm: FakeAlarm, reason: str, reason_data: str, state_value: str) -> None:
            before = alarm.state_value
            original(alarm, reason, reason_data, state_value)
            if before == state_value or not alarm.actions_enabled:
                return
            actions = {
                "ALARM": alarm.alarm_actions,
                "OK": alarm.ok_actions,
                "INSUFFICIENT_DATA": alarm.insufficient_data_actions,
            }[state_value]
            change = {"NewStateValue": state_value, "OldStateValue": before, "NewStateReason": reason}
            message = json.dumps({"AlarmName": alarm.name, **change})
            subject = f'{state_value}: "{alarm.name}" in {alarm.region_name}'
            for action in actions or []:
                if action.startswith("arn:aws:sns:"):
                    publishes.publish(CLOUDWATCH, action, subject, message)

        stack.enter_context(patch.object(FakeAlarm, "update_state", update_state))
