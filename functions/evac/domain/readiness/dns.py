"""Route 53: the plan's record sets exist for both regions, each with a health check, and the target's record set
will be answered once traffic moves: its health-check status, read where that status lives.

Route 53's API (ListResourceRecordSets, GetHealthCheck, GetHealthCheckStatus) and its ``AWS/Route53``
``HealthCheckStatus`` metric are served from us-east-1 (Route 53 developer guide, "Monitoring health checks using
CloudWatch"; AWS Fault Isolation Boundaries, "Global services"), and GetHealthCheckStatus is "intended for use during
development" (API reference). A failover out of us-east-1 cannot wait on either, so the status is read from what the
health check follows, in the region where it lives:

- ``health-check-switch``: a ``CLOUDWATCH_METRIC`` health check is the state of its alarm (OK healthy, ALARM
  unhealthy; insufficient data: its ``InsufficientDataHealthStatus``) (developer guide, "How Route 53 determines the
  status of health checks that monitor CloudWatch alarms"), read with DescribeAlarms in the alarm's region. The
  switch undrains the target only while the source answers (``evac.aws.drain``): a drained target fails.
- ``routing-control``: a ``RECOVERY_CONTROL`` health check is its routing control's state (ARC developer guide,
  "Routing control health checks"), read with GetRoutingControlState on the cluster's regional endpoints. The switch
  turns the target On itself: what must hold is that the state can be read there.
- ``record-weights``: the status is only Route 53's to tell (GetHealthCheckStatus, in us-east-1); healthy when more
  than 18% of its checkers say so (developer guide, "How Amazon Route 53 determines whether a health check is
  healthy").

A status that cannot be read is unknown, never a pass (nor a fail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from evac.domain.dns_switch import depends_on_control_plane, record_health_check
from evac.domain.plan_dns import ROUTE53_CONTROL_PLANE
from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import RecordSets


@dataclass(frozen=True)
class HealthReading:
    """One record set's health-check status: ``healthy`` None when it could not be told; ``exists`` False when what
    the health check follows (an alarm, a routing control, the health check) is not there; ``read``: what was read."""

    healthy: bool | None
    read: str
    exists: bool = True


class RecordHealth(Protocol):
    def health(self, region: str, health_check: str | None) -> HealthReading:
        """The status of ``region``'s record-set health check, from where it lives (``health_check``: its id, when
        the record set was read)."""
        ...


def dns_checks(
    plan: RecoveryPlan,
    records: RecordSets,
    *,
    source: str | None = None,
    target: str | None = None,
    health: RecordHealth | None = None,
) -> Iterator[ReadinessCheck]:
    dns = plan.dns
    found: dict[str, str | None] = {}

    def exist() -> Finding:
        found.update(records.health_checks(dns.hosted_zone, dns.record_name, dns.record_type))
        missing = [s for s in dns.set_identifiers.values() if s not in found]
        if missing:
            return Finding("fail", f"{dns.record_name} lacks record sets {missing}")
        return Finding("pass", f"{dns.record_name} has record sets {sorted(dns.set_identifiers.values())}")

    def attached() -> Finding:
        if not found:  # the record sets were not read: nothing to judge (unknown, not a missing health check)
            return Finding("unknown", f"{dns.record_name}'s record sets could not be read")
        problems = []
        for set_id in dns.set_identifiers.values():
            health_check = found.get(set_id)
            if health_check is None:
                problems.append(f"{set_id} has no health check")
            elif not records.health_check_exists(health_check):
                problems.append(f"{set_id}'s health check {health_check} does not exist")
        if problems:
            return Finding("fail", "; ".join(problems))
        return Finding("pass", ", ".join(f"{s}: {found[s]}" for s in dns.set_identifiers.values()))

    where = {"policy": dns.policy, "record_type": dns.record_type, "zone": dns.hosted_zone}
    yield catalogued("route53.records", dns.record_name, exist, **where)
    yield catalogued("route53.health_checks", dns.record_name, attached)
    if source is not None:

        def data_plane() -> Finding:
            if depends_on_control_plane(plan, source):
                return Finding(
                    "fail",
                    f"dns.mechanism is record-weights: moving traffic out of {source} needs Route 53's control plane "
                    f"({ROUTE53_CONTROL_PLANE}), which fails with it",
                )
            return Finding("pass", f"dns.mechanism {dns.mechanism}: traffic can move without Route 53's control plane")

        yield catalogued("route53.data_plane", dns.record_name, data_plane, source=source)
    if source is not None and target is not None and health is not None:
        reads = health

        def status() -> Finding:
            return health_status(plan, reads, found, source=source, target=target)

        yield catalogued("route53.health_check_status", dns.record_name, status, region=target, source=source)


def health_status(
    plan: RecoveryPlan, health: RecordHealth, found: dict[str, str | None], *, source: str, target: str
) -> Finding:
    """Whether Route 53 will answer ``target``'s record set once the plan's mechanism has moved the traffic."""
    dns = plan.dns

    def reading(region: str) -> HealthReading:
        return health.health(region, record_health_check(plan, region) or found.get(dns.set_identifiers[region]))

    ours = reading(target)
    if not ours.exists:
        return Finding("fail", f"{target}'s record set follows something that does not exist: {ours.read}")
    if dns.mechanism == "health-check-switch":
        lever = reading(source)  # the alarm that drains the source lives in the target: the switch needs it there
        if not lever.exists:
            return Finding("fail", f"the switch cannot drain {source}: {lever.read}")
    if ours.healthy is None:
        return Finding("unknown", f"{target}'s health-check status could not be told: {ours.read}")
    if dns.mechanism == "routing-control":
        return Finding("pass", f"{target}: {ours.read} (the switch turns it On)")
    if not ours.healthy:
        return Finding("fail", f"{target}'s record set is unhealthy: {ours.read}")
    return Finding("pass", f"{target}: {ours.read}")
