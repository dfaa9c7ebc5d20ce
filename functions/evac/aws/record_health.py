"""Each region's record-set health-check status, read where it lives (``evac.domain.readiness.dns``): the drain alarm
in its own region, the routing control on the ARC cluster, and only for plain health checks Route 53's API.

Every read is one quick try (``probe``): what it reads may live in the region that failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.arc import RoutingControls
from evac.aws.drain import HealthCheckSwitch
from evac.domain.readiness.dns import HealthReading
from evac.errors import AwsCallError, EvacError

if TYPE_CHECKING:
    from evac.aws.route53 import WeightedRecords
    from evac.domain.plan import RecoveryPlan

# Route 53 considers an endpoint healthy when more than 18% of its health checkers do (developer guide, "How Amazon
# Route 53 determines whether a health check is healthy").
HEALTHY_SHARE = 0.18


class RecordHealth:
    def __init__(self, plan: RecoveryPlan, records: WeightedRecords) -> None:
        self._plan = plan
        self._records = records

    def health(self, region: str, health_check: str | None) -> HealthReading:
        mechanism = self._plan.dns.mechanism
        try:
            if mechanism == "health-check-switch":
                return self._alarm(region, health_check)
            if mechanism == "routing-control":
                return self._control(region)
            return self._checkers(health_check)
        except AwsCallError as exc:
            if exc.denied:  # a refusal is IAM's answer, not the status: the check fails, naming the call
                raise
            return HealthReading(None, f"could not be read: {exc}")
        except EvacError as exc:
            return HealthReading(None, f"could not be read: {exc}")

    def _alarm(self, region: str, health_check: str | None) -> HealthReading:
        drain = (self._plan.dns.health_check_switch or {})[region]
        state = HealthCheckSwitch(self._plan).alarm_state(region, probe=True)
        read = f"alarm {drain.alarm} in {drain.alarm_region} is {state}"
        if state == "MISSING":
            return HealthReading(None, f"alarm {drain.alarm} does not exist in {drain.alarm_region}", exists=False)
        if state in ("OK", "ALARM"):
            return HealthReading(state == "OK", read)
        # INSUFFICIENT_DATA: the health check's InsufficientDataHealthStatus decides, which only Route 53's API says
        config = self._records.health_check_config(health_check) if health_check else None
        insufficient = (config or {}).get("InsufficientDataHealthStatus", "LastKnownStatus")
        if insufficient == "LastKnownStatus":
            return HealthReading(None, f"{read}; the health check keeps its last known status")
        return HealthReading(insufficient == "Healthy", f"{read}; InsufficientDataHealthStatus {insufficient}")

    def _control(self, region: str) -> HealthReading:
        peer = self._plan.peer(region)
        state = RoutingControls(self._plan).control_state(region, peer)
        return HealthReading(state == "On", f"routing control {state}")

    def _checkers(self, health_check: str | None) -> HealthReading:
        if health_check is None:
            return HealthReading(None, "the record set has no health check")
        counted = self._records.checkers_healthy(health_check)
        if counted is None:
            return HealthReading(None, f"health check {health_check} does not exist", exists=False)
        healthy, reporting = counted
        if reporting == 0:
            return HealthReading(None, f"no Route 53 checker reports on {health_check}")
        return HealthReading(
            healthy / reporting > HEALTHY_SHARE, f"{healthy} of {reporting} Route 53 checkers report it healthy"
        )
