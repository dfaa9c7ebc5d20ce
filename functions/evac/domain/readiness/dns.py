"""Route 53: the plan's record sets exist for both regions, each with a health check that exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.domain.dns_switch import depends_on_control_plane
from evac.domain.plan_dns import ROUTE53_CONTROL_PLANE
from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import RecordSets


def dns_checks(plan: RecoveryPlan, records: RecordSets, *, source: str | None = None) -> Iterator[ReadinessCheck]:
    dns = plan.dns
    found: dict[str, str | None] = {}

    def exist() -> Finding:
        found.update(records.health_checks(dns.hosted_zone, dns.record_name, dns.record_type))
        missing = [s for s in dns.set_identifiers.values() if s not in found]
        if missing:
            return Finding("fail", f"{dns.record_name} lacks record sets {missing}")
        return Finding("pass", f"{dns.record_name} has record sets {sorted(dns.set_identifiers.values())}")

    def healthy() -> Finding:
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
    yield catalogued("route53.health_checks", dns.record_name, healthy)
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
