"""Moving traffic on a data plane when Route 53's control plane does not answer (the plan's ``dns.mechanism``).

Record weights (ChangeResourceRecordSets, then GetChange until INSYNC) are tried first: they are the only way to move
part of the traffic, and the only one a planned switchover uses. When that control plane does not answer (a timeout)
in an unplanned run, or a planned one the Plan step made a failover (the primary did not answer), the plan's
data-plane mechanism moves *all* traffic at once: it has no shares, so it is used only when the target's InService
capacity can take all of it (principle 3). Without one (``record-weights``), or in a planned switchover, the run stops
with ``DnsControlPlaneUnavailableError`` whose message says what to run by hand.

>>> choose_mechanism("unplanned", "health-check-switch", control_plane=False)
'health-check-switch'
>>> choose_mechanism("planned", "health-check-switch", control_plane=False) is None
True
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from evac.domain.plan_dns import DATA_PLANE, ROUTE53_CONTROL_PLANE
from evac.errors import DnsControlPlaneUnavailableError

if TYPE_CHECKING:
    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_dns import Mechanism


def choose_mechanism(mode: str, planned_mechanism: Mechanism, *, control_plane: bool) -> Mechanism | None:
    """The mechanism that moves the traffic: ``record-weights`` while the control plane answers; otherwise the plan's
    data-plane mechanism in an unplanned run; None when nothing may move it (a planned run, or weights only)."""
    if control_plane:
        return "record-weights"
    if mode == "unplanned" and planned_mechanism in DATA_PLANE:
        return planned_mechanism
    return None


def urgency(run: Run) -> str:
    """``unplanned`` when the primary is gone: an unplanned run, or a planned one that the Plan step turned into a
    failover because the primary did not answer (its data is already being given up: waiting for Route 53's control
    plane would only lengthen the outage); ``planned`` otherwise."""
    return "unplanned" if run.mode == "unplanned" or run.strategy == "failover" else "planned"


def asks_control_plane_once(run: Run, plan: RecoveryPlan) -> bool:
    """Whether the run asks Route 53's control plane with one quick try: an unplanned run that may move traffic on
    a data plane does not wait out botocore's retries (three connect timeouts a call) to learn it is gone."""
    return urgency(run) == "unplanned" and plan.dns.mechanism in DATA_PLANE


def is_data_plane(mechanism: object) -> bool:
    return mechanism in DATA_PLANE


def control_plane_unavailable(run: Run, plan: RecoveryPlan, reason: str) -> DnsControlPlaneUnavailableError:
    """The named error of a run that cannot move traffic without Route 53's control plane, with what to run by hand."""
    dns = plan.dns
    if urgency(run) == "planned":
        todo = (
            "nothing was changed by this step: run the planned move again once Route 53's API answers "
            f"(`aws route53 list-hosted-zones-by-name --dns-name {dns.hosted_zone}` returns)"
        )
    else:
        todo = f"move the traffic by hand once Route 53's API answers: {manual_weights_command(run, plan)}"
    if plan.dns.mechanism == "record-weights" and urgency(run) == "unplanned":
        todo += (
            "; to stop depending on it, give the plan a data-plane dns.mechanism "
            "(health-check-switch or routing-control, docs/runbook.md)"
        )
    return DnsControlPlaneUnavailableError(
        f"Route 53's control plane ({ROUTE53_CONTROL_PLANE}) does not answer ({reason}); "
        f"{urgency(run)} run with dns.mechanism {plan.dns.mechanism}: {todo}"
    )


def manual_weights_command(run: Run, plan: RecoveryPlan) -> str:
    """The AWS CLI command that sends all traffic to the target, with every attribute of both record sets (UPSERT
    replaces the record set whole: a health check left out would be detached)."""
    dns = plan.dns
    changes = []
    for region, weight in ((run.target_region, 100), (run.source_region, 0)):
        record = {
            "Name": dns.record_name,
            "Type": dns.record_type,
            "SetIdentifier": dns.set_identifiers[region],
            "Weight": weight,
            "TTL": dns.ttl,
            "ResourceRecords": [{"Value": dns.targets[region]}],
        }
        if health_check := record_health_check(plan, region):
            record["HealthCheckId"] = health_check
        changes.append({"Action": "UPSERT", "ResourceRecordSet": record})
    batch = json.dumps({"Comment": f"evac {run.incident_id} by hand", "Changes": changes}, separators=(",", ":"))
    zone = (
        f"$(aws route53 list-hosted-zones-by-name --dns-name {dns.hosted_zone} "
        "--query 'HostedZones[0].Id' --output text)"
    )
    return f"aws route53 change-resource-record-sets --hosted-zone-id {zone} --change-batch '{batch}'"


def record_health_check(plan: RecoveryPlan, region: str) -> str | None:
    """The health check id the plan says the region's record set carries, if it says."""
    dns = plan.dns
    if dns.health_check_switch and region in dns.health_check_switch:
        return dns.health_check_switch[region].health_check
    if dns.routing_control and region in dns.routing_control.health_checks:
        return dns.routing_control.health_checks[region]
    return None


def depends_on_control_plane(plan: RecoveryPlan, source: str) -> bool:
    """True when failing ``source`` over needs the Route 53 control plane that fails with it: a us-east-1 source
    whose plan moves traffic with record weights only."""
    return source == ROUTE53_CONTROL_PLANE and plan.dns.mechanism == "record-weights"
