"""Drills of Route 53's control plane (us-east-1) failing on its own, while both regions' APIs answer.

ChangeResourceRecordSets, GetChange, ListHostedZonesByName and ListResourceRecordSets time out (a fault on Route 53's
operations, not a region blackout): an unplanned run moves traffic on the plan's data plane
(``dns.mechanism``), a planned one stops before it changes anything, writer and traffic left together at home.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evacops.drill.scenarios import Scenario, fire, start
from evacops.localcloud.faults import Fault

if TYPE_CHECKING:
    from evacops.drill.scenarios import ExtraCheck, Options
    from evacops.localcloud import LocalCloud


def route53_control_plane_down(cloud: LocalCloud) -> None:
    """Every Route 53 API call times out from now on; DNS answers, health checks and ARC endpoints go on."""
    cloud.faults.inject(Fault("timeout", service="route53", calls=None))


def _outage(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001 - every play takes the options
    route53_control_plane_down(cloud)
    fire(cloud, cloud.plan.regions.primary, reason="drill: the primary is failing, Route 53's API is down")


def _planned(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    route53_control_plane_down(cloud)
    start(cloud, "drill-planned.json")


def _moved_on_the_data_plane(cloud: LocalCloud, began: float) -> list[ExtraCheck]:
    """The traffic moved on the plan's data plane, and no Route 53 API call succeeded while it was down."""
    runs = [r for region in cloud.plan.regions.both for r in cloud.truth.runs(region)]
    mechanism = runs[0].get("dns_mechanism") if runs else None
    reached = [c for c in cloud.faults.calls if c.service == "route53" and c.at >= began and c.fault is None]
    return [
        ("dns_mechanism", mechanism == cloud.plan.dns.mechanism, f"traffic moved by {mechanism}"),
        ("route53_api_unused", not reached, f"{len(reached)} Route 53 API call(s) answered during the outage"),
    ]


def _together(cloud: LocalCloud, began: float) -> list[ExtraCheck]:  # noqa: ARG001
    writer, dns = cloud.truth.writer_region(), cloud.truth.dns_region()
    return [("writer_with_traffic", writer == dns, f"writer in {writer}, DNS answers {dns}")]


DNS_SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "control-plane-outage",
            "Route 53's control plane (us-east-1) times out while both regions answer; the primary fails: the "
            "unplanned run moves traffic on the plan's data plane (dns.mechanism) and succeeds.",
            _outage,
            "failover",
            checks=_moved_on_the_data_plane,
        ),
        Scenario(
            "control-plane-outage-planned",
            "Route 53's control plane times out during a planned switchover: preflight stops it with "
            "DnsControlPlaneUnavailableError before any change; writer and traffic stay together at home.",
            _planned,
            "failed",
            triggered=False,
            error="DnsControlPlaneUnavailableError",
            writer="home",
            checks=_together,
        ),
    )
}
