"""Route 53 health checks that are evaluated, and the DNS answer they lead to (moto 5.2: every health check passes,
``CLOUDWATCH_METRIC`` and ``RECOVERY_CONTROL`` settings are dropped, and nothing answers a DNS query).

- A ``CLOUDWATCH_METRIC`` health check follows its alarm: ``ALARM`` unhealthy, ``OK`` healthy, and with insufficient
  data (the alarm's own ``INSUFFICIENT_DATA``, or its region dark) what ``InsufficientDataHealthStatus`` says:
  ``Healthy``, ``Unhealthy`` or ``LastKnownStatus`` (healthy for a health check with no last known status)
  (API_HealthCheckConfig; Route 53 developer guide, "How Route 53 determines the status of health checks that
  monitor CloudWatch alarms").
- A ``RECOVERY_CONTROL`` health check is healthy while its routing control is On (ARC developer guide, "Routing
  control health checks").
- ``Inverted`` inverts the status; any other type stays healthy (nothing here probes an endpoint).
- A health check ARC Region switch created for a Route 53 health check block has the status its plan's executions
  set (``set_status``; route53-health-check-block.html: "the Route 53 health check state is updated").
- GetHealthCheckStatus reports the evaluated status (``Success: ...`` or ``Failure: ...``) from every checker
  (moto 5.2: always ``Success``) (API_GetHealthCheckStatus, ``StatusReport``).

``answer`` is what Route 53's name servers return for a weighted record (developer guide, "How Amazon Route 53
chooses records when health checking is configured"): a record without a health check is healthy; among the records
with non-zero weights, the healthy ones; if none of them is healthy, the healthy zero-weight records; if no record is
healthy, all of them as though healthy (so the non-zero weights decide again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.cloudwatch.models import cloudwatch_backends
from moto.route53.models import route53_backends
from moto.route53.responses import Route53

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from moto.core.responses import ActionResult

    from evacops.localcloud.fidelity.arc import RoutingControlCluster

_PARTITION = "aws"


class Route53HealthChecks:
    """Keeps each health check's whole configuration (on moto's own object) and evaluates it on demand."""

    def __init__(self, account: str, routing: RoutingControlCluster, dark: Callable[[str], bool]) -> None:
        self.account = account
        self.routing = routing
        self.dark = dark
        self._last_known: dict[str, bool] = {}
        self._set: dict[str, bool] = {}  # health check id -> the status ARC Region switch set

    def install(self, stack: ExitStack) -> None:
        original = Route53.create_health_check

        def create_health_check(response: Route53) -> ActionResult:
            result = original(response)
            created = result.result["HealthCheck"]  # type: ignore[index]
            created.evac_config = dict(response._get_param("HealthCheckConfig"))
            return result

        stack.enter_context(patch.object(Route53, "create_health_check", create_health_check))
        checks = self

        def get_health_check_status(response: Route53) -> ActionResult:
            found = original_status(response)  # raises NoSuchHealthCheck as Route 53 does
            healthy = checks.healthy(str(response._get_param("HealthCheckId")))
            report = "Success: HTTP Status Code 200, OK" if healthy else "Failure: evaluated unhealthy"
            for observation in found.result["HealthCheckObservations"]:  # type: ignore[index]
                observation["StatusReport"]["Status"] = report
            return found

        original_status = Route53.get_health_check_status
        stack.enter_context(patch.object(Route53, "get_health_check_status", get_health_check_status))

    def rename(self, old: str, new: str) -> None:
        """Give a created health check the id a plan names (AWS assigns ids; the local cloud seeds the plan's)."""
        checks = route53_backends[self.account][_PARTITION].health_checks
        check = checks.pop(old)
        check.id = new
        checks[new] = check

    def config(self, health_check_id: str) -> dict[str, Any] | None:
        check = route53_backends[self.account][_PARTITION].health_checks.get(health_check_id)
        return getattr(check, "evac_config", {"Type": check.type_}) if check else None

    def set_status(self, health_check_id: str, *, healthy: bool) -> None:
        """The status of a health check another service owns and turns (ARC Region switch's)."""
        self._set[health_check_id] = healthy

    def healthy(self, health_check_id: str) -> bool:
        config = self.config(health_check_id)
        if config is None:
            return True  # a record pointing at a deleted health check: Route 53 treats it as healthy
        if health_check_id in self._set:
            return self._set[health_check_id]
        status = self._status(health_check_id, config)
        return not status if config.get("Inverted") else status

    def _status(self, health_check_id: str, config: dict[str, Any]) -> bool:
        kind = config.get("Type")
        if kind == "RECOVERY_CONTROL":
            return self.routing.state(str(config.get("RoutingControlArn"))) == "On"
        if kind != "CLOUDWATCH_METRIC":
            return True
        alarm_id = config.get("AlarmIdentifier") or {}
        region, name = str(alarm_id.get("Region")), str(alarm_id.get("Name"))
        alarm = None if self.dark(region) else cloudwatch_backends[self.account][region].alarms.get(name)
        state = alarm.state_value if alarm is not None else "INSUFFICIENT_DATA"
        if state in ("ALARM", "OK"):
            self._last_known[health_check_id] = state == "OK"
            return state == "OK"
        insufficient = config.get("InsufficientDataHealthStatus", "LastKnownStatus")
        if insufficient == "Healthy":
            return True
        if insufficient == "Unhealthy":
            return False
        return self._last_known.get(health_check_id, True)

    def answer(self, records: list[Any]) -> list[Any]:
        """The weighted record sets (moto's) a resolver may be answered with, given their health checks."""
        healthy = {id(r): r.health_check_id is None or self.healthy(str(r.health_check_id)) for r in records}
        weighted = [r for r in records if int(r.weight or 0) > 0]
        if chosen := [r for r in weighted if healthy[id(r)]]:
            return chosen
        if chosen := [r for r in records if int(r.weight or 0) == 0 and healthy[id(r)]]:
            return chosen
        return weighted or records
