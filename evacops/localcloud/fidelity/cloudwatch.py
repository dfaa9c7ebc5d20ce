"""CloudWatch alarms stamped on the modelled clock (moto 5.2.5: wall time, and every set_alarm_state a change)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from unittest.mock import patch

from moto.cloudwatch.models import Alarm as FakeAlarm

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline


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
