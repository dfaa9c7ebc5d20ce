"""CloudWatch, for the health-check switch: the ``Drain`` metric evac publishes and the alarms Route 53 health checks
follow (``dns.mechanism: health-check-switch``). Kept apart from ``evac.aws.cloudwatch`` (alarm and lag reads).

Each region's record set carries a Route 53 health check of type ``CLOUDWATCH_METRIC`` on an alarm living in the
peer region. Draining region A is a PutMetricData of 1 in A's peer; the alarm goes to ALARM, the health check becomes
unhealthy, and Route 53 stops answering A's record set (Route 53 developer guide: "Monitoring a CloudWatch alarm",
"How Amazon Route 53 chooses records when health checking is configured"). No call goes to Route 53's API.

Reading it back: Route 53's GetHealthCheckStatus is served by the Route 53 API in us-east-1 (its control plane), so
``switched`` reads what the health check follows instead: the alarm's state, in the region where it lives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.clients import client
from evac.aws.errors import aws_errors
from evac.errors import EvacError

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_dns import DrainSwitch


class HealthCheckSwitch:
    """The promoting region drains its peer: ``switch(source, target)`` publishes ``Drain=1`` for the source in the
    source's alarm region (the target) and, as far as the source still answers, ``Drain=0`` for the target there."""

    mechanism = "health-check-switch"

    def __init__(self, plan: RecoveryPlan) -> None:
        if plan.dns.health_check_switch is None:
            raise EvacError("dns.health_check_switch is not in the plan")
        self._application = plan.application
        self._drains: dict[str, DrainSwitch] = plan.dns.health_check_switch

    def switch(self, source: str, target: str) -> str:
        self._publish(source, 1.0, probe=False)
        done = [f"drained {source} (alarm {self._drains[source].alarm} in {self._drains[source].alarm_region})"]
        try:  # the target's own alarm lives in the source, which may be dark: one quick try
            self._publish(target, 0.0, probe=True)
            done.append(f"undrained {target}")
        except EvacError as exc:
            done.append(f"could not undrain {target} in {self._drains[target].alarm_region} ({exc})")
        return "; ".join(done)

    def switched(self, source: str, target: str) -> str | None:
        source_state = self.alarm_state(source, probe=False)
        if source_state != "ALARM":
            return f"{source}'s drain alarm {self._drains[source].alarm} is {source_state}, not ALARM yet"
        try:
            target_state = self.alarm_state(target, probe=True)
        except EvacError:
            target_state = None  # its region does not answer: the health check reads insufficient data
        if target_state == "ALARM":
            return f"{target}'s own drain alarm {self._drains[target].alarm} is in ALARM: {target} is drained too"
        return None

    def _publish(self, region: str, value: float, *, probe: bool) -> None:
        drain = self._drains[region]
        with aws_errors():
            client("cloudwatch", drain.alarm_region, probe=probe).put_metric_data(
                Namespace=drain.namespace,
                MetricData=[
                    {
                        "MetricName": drain.metric,
                        "Dimensions": dimensions(self._application, region),
                        "Value": value,
                        "Unit": "Count",
                    }
                ],
            )

    def alarm_state(self, region: str, *, probe: bool) -> str:
        """The state of the alarm that drains ``region`` (``MISSING`` if it does not exist), in its own region."""
        drain = self._drains[region]
        with aws_errors():
            found = client("cloudwatch", drain.alarm_region, probe=probe).describe_alarms(
                AlarmNames=[drain.alarm], AlarmTypes=["MetricAlarm"]
            )["MetricAlarms"]
        return str(found[0]["StateValue"]) if found else "MISSING"


def dimensions(application: str, region: str) -> list[dict[str, str]]:
    """The ``Drain`` metric's dimensions for the record set of ``region``."""
    return [{"Name": "Application", "Value": application}, {"Name": "Region", "Value": region}]
