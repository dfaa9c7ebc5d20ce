"""The data plane a plan's ``dns.mechanism`` names: the adapter that moves traffic without Route 53's control plane."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.arc import RoutingControls
from evac.aws.drain import HealthCheckSwitch

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import TrafficSwitch


def traffic_switch(plan: RecoveryPlan) -> TrafficSwitch | None:
    """``HealthCheckSwitch``, ``RoutingControls``, or None for ``record-weights`` (weights only)."""
    if plan.dns.mechanism == "health-check-switch":
        return HealthCheckSwitch(plan)
    if plan.dns.mechanism == "routing-control":
        return RoutingControls(plan)
    return None
