"""CloudWatch alarms stamped on the modelled clock (moto 5.2.5: wall time, and every set_alarm_state a change), and
metric alarms evaluated from their datapoints (moto 5.2.5: never evaluated), and their actions: a state change
publishes to the SNS topics of that state's actions (moto 5.2.5: no action runs)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.cloudwatch.models import Alarm as FakeAlarm
from moto.cloudwatch.models import cloudwatch_backends

from evacops.localcloud.deploy import ACCOUNT

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline, VirtualClock
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


# --- Metric alarms evaluated from PutMetricData datapoints (moto 5.2.5 evaluates none) --------------------------------
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html ("Evaluating an alarm",
# "Configuring how CloudWatch alarms treat missing data"): each period's statistic is compared with the threshold;
# DatapointsToAlarm of the last EvaluationPeriods periods breaching -> ALARM; otherwise OK when the periods hold data
# (or missing data is treated as notBreaching), INSUFFICIENT_DATA when they hold none and missing data is "missing",
# and no change for "ignore". A state change is an EventBridge event (cloudwatch-and-eventbridge.html).
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
_STATISTIC: dict[str, Callable[[list[float]], float]] = {
    "Average": lambda xs: sum(xs) / len(xs),
    "Sum": sum,
    "Minimum": min,
    "Maximum": max,
    "SampleCount": lambda xs: float(len(xs)),
}
# How often the evaluator looks, in modelled seconds (CloudWatch evaluates standard alarms once a minute).
EVALUATION_TICK = 20.0


def evaluate(
    values_by_period: list[list[float]],
    *,
    statistic: str,
    comparison: str,
    threshold: float,
    datapoints: int,
    treat_missing: str | None,
) -> str | None:
    """The state CloudWatch would set from the last EvaluationPeriods periods (oldest first), or None for no change.

    >>> evaluate([[0.5], [1.0]], statistic="Average", comparison="GreaterThanOrEqualToThreshold", threshold=0.5,
    ...          datapoints=2, treat_missing="notBreaching")
    'ALARM'
    """
    breaching = 0
    present = 0
    for values in values_by_period:
        if values:
            present += 1
            breaching += _COMPARE[comparison](_STATISTIC[statistic](values), threshold)
        elif treat_missing == "breaching":
            breaching += 1
    if breaching >= datapoints:
        return "ALARM"
    if present or treat_missing in ("notBreaching", "breaching"):
        return "OK"
    if treat_missing == "ignore":
        return None
    return "INSUFFICIENT_DATA"


@dataclass
class AlarmEvaluation:
    """Evaluates every metric alarm whose metric has datapoints, every ``EVALUATION_TICK`` modelled seconds, in each
    region that is not dark, and hands each transition to ``change(region, alarm, state, reason)`` (the local cloud's
    ``AlarmEvents.set_state``: moto's state, then the event on that region's bus).

    An alarm on a metric nothing in the local cloud publishes (SageMaker's Invocation5XXErrors, Route 53's
    HealthCheckStatus: moto emits no service metrics) is left as it is: drills stand in for those metrics by setting
    the alarm's state by hand. A dark region evaluates and delivers nothing from its blackout's start.
    """

    clock: VirtualClock
    regions: Callable[[], list[str]]
    change: Callable[[str, str, str, str], object]
    dark: Callable[[str], bool] = lambda _region: False
    _stop: threading.Event = field(default_factory=threading.Event)

    def install(self, stack: ExitStack) -> None:
        thread = threading.Thread(target=self._run, name="cloudwatch-alarm-evaluation", daemon=True)
        thread.start()
        stack.callback(thread.join, 5)
        stack.callback(self.clock.poke)
        stack.callback(self._stop.set)

    def _run(self) -> None:
        while not self.clock.wait_until(self._stop.is_set, EVALUATION_TICK):
            for region in self.regions():
                if not self.dark(region):
                    self.evaluate_region(region)

    def evaluate_region(self, region: str) -> None:
        backend = cloudwatch_backends[ACCOUNT][region]
        alarms = [a for a in list(backend.alarms.values()) if a.metric_name and a.comparison_operator in _COMPARE]
        series = _series(backend, {a.namespace for a in alarms}, self.clock)
        now = self.clock.elapsed()
        for alarm in alarms:
            points = series.get((alarm.namespace, alarm.metric_name, _dimensions(alarm.dimensions)))
            if not points:
                continue  # nothing publishes its metric here: its state is the drill's to set
            # Only complete periods, and the last one once a further period has passed: a datapoint stamped with its
            # round's scheduled time may land late when the local cloud's own CPU time is played on a fast clock.
            end = ((now - alarm.period) // alarm.period) * alarm.period
            periods = [
                [v for at, v in points if end - (k + 1) * alarm.period <= at < end - k * alarm.period]
                for k in reversed(range(alarm.evaluation_periods))
            ]
            state = evaluate(
                periods,
                statistic=alarm.statistic or "Average",
                comparison=alarm.comparison_operator,
                threshold=float(alarm.threshold),
                datapoints=int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
                treat_missing=alarm.treat_missing_data,
            )
            if state is not None and state != alarm.state_value:
                shown = [round(sum(p) / len(p), 3) if p else None for p in periods]
                self.change(region, alarm.name, state, f"evaluated {alarm.metric_name} over the last periods: {shown}")


def _dimensions(dimensions: Any) -> frozenset[tuple[str, str]]:
    return frozenset((d.name, d.value) for d in dimensions)


def _series(backend: Any, namespaces: set[str], clock: VirtualClock) -> dict[tuple, list[tuple[float, float]]]:
    """(namespace, metric, dimensions) -> [(modelled seconds, value)] of every datapoint in ``namespaces``."""
    found: dict[tuple, list[tuple[float, float]]] = {}
    for datum in list(backend.metric_data):
        if datum.namespace not in namespaces or not hasattr(datum, "value"):
            continue
        at = datum.timestamp if datum.timestamp.tzinfo else datum.timestamp.replace(tzinfo=UTC)
        key = (datum.namespace, datum.name, _dimensions(datum.dimensions))
        found.setdefault(key, []).append((clock.seconds_since_epoch(at), float(datum.value)))
    return found
