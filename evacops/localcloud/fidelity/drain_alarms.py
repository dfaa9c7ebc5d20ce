"""CloudWatch metric alarms that evaluate the metrics published to them (moto 5.2: an alarm changes state only by
SetAlarmState), kept to the alarms on the metrics named here (the health-check switch's ``Drain``), so another
evaluator can own the rest.

One evaluation per period: a datapoint published now is judged at the end of the alarm's period, against the alarm's
threshold and comparison operator, with ``DatapointsToAlarm``/``EvaluationPeriods`` of 1 (the switch's alarms), and
the alarm moves to ``ALARM`` or ``OK`` (CloudWatch user guide, "Evaluating an alarm"). With ``TreatMissingData:
ignore`` nothing happens without data: "the current alarm state is maintained" (same page, "Configuring how
CloudWatch alarms treat missing data"), which is why a drain lasts after evac stops publishing.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud.clock import Timeline

_COMPARE = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


class MetricAlarmEvaluator:
    """Evaluates the alarms on ``metrics`` ((namespace, metric name) pairs) when a datapoint reaches them."""

    def __init__(self, timeline: Timeline, metrics: set[tuple[str, str]]) -> None:
        self.timeline = timeline
        self.metrics = metrics

    @classmethod
    def for_plan(cls, timeline: Timeline, plan: RecoveryPlan) -> MetricAlarmEvaluator:
        """The evaluator of the health-check switch's drain metrics (``evac.aws.drain``), the ones the plan names."""
        switch = plan.dns.health_check_switch or {}
        return cls(timeline, {(drain.namespace, drain.metric) for drain in switch.values()})

    def install(self, stack: ExitStack) -> None:
        evaluator = self
        original = CloudWatchBackend.put_metric_data

        def put_metric_data(backend: CloudWatchBackend, namespace: str, metric_data: list[dict[str, Any]]) -> None:
            original(backend, namespace, metric_data)
            for datum in metric_data:
                if (namespace, datum["MetricName"]) in evaluator.metrics:
                    evaluator._schedule(backend, namespace, datum)

        stack.enter_context(patch.object(CloudWatchBackend, "put_metric_data", put_metric_data))
        original_describe = CloudWatchResponse.describe_alarms

        def describe_alarms(response: CloudWatchResponse) -> Any:
            evaluator.timeline.settle()  # evaluations due by now have happened, as any reader would see them
            return original_describe(response)

        stack.enter_context(patch.object(CloudWatchResponse, "describe_alarms", describe_alarms))

    def _schedule(self, backend: CloudWatchBackend, namespace: str, datum: dict[str, Any]) -> None:
        dimensions = {d["Name"]: d["Value"] for d in datum.get("Dimensions", [])}
        value = float(datum["Value"])
        for alarm in list(backend.alarms.values()):
            if (alarm.namespace, alarm.metric_name) != (namespace, datum["MetricName"]):
                continue
            if {d.name: d.value for d in alarm.dimensions} != dimensions:
                continue
            compare = _COMPARE.get(alarm.comparison_operator)
            if compare is None:
                continue
            state = "ALARM" if compare(value, float(alarm.threshold)) else "OK"

            def evaluate(alarm: Any = alarm, state: str = state) -> None:
                reason = f"Threshold Crossed: 1 datapoint [{value}] {alarm.comparison_operator} {alarm.threshold}"
                alarm.update_state(reason, "{}", state)

            self.timeline.after(float(alarm.period), evaluate)
