"""The plan's ``dns.mechanism``: how traffic moves when Route 53's control plane (us-east-1) does not answer.

Route 53's API (ChangeResourceRecordSets, GetChange, ListHostedZonesByName...) is its control plane, hosted in
us-east-1; DNS answers and health checks are its data plane, served everywhere (AWS Fault Isolation Boundaries,
"Global services"). Record weights remain the way traffic moves in a planned run and when traffic follows capacity;
the mechanism says what an unplanned run uses when the control plane is silent:

- ``health-check-switch`` (the default): each region's record set carries a Route 53 health check of type
  ``CLOUDWATCH_METRIC`` on a CloudWatch alarm living in the *peer* region, driven by a metric evac publishes there
  (``Drain``, dimensions ``Application`` and ``Region`` = the drained region). The promoting region drains its peer
  on its own: PutMetricData in its own region, no call to Route 53.
- ``routing-control``: each record set carries a health check of type ``RECOVERY_CONTROL`` on an ARC routing
  control; evac sets the controls with UpdateRoutingControlStates on the cluster's regional endpoints, one after
  another, each with a bounded timeout.
- ``record-weights``: no data plane; an unplanned run whose control plane is silent fails with
  ``DnsControlPlaneUnavailableError``, its notification saying what to run by hand.

Example (YAML)::

    dns:
      mechanism: health-check-switch
      health_check_switch:
        us-east-1: {health_check: 0a1b..., alarm: fraud-scoring-drain-use1, alarm_region: us-west-2}
        us-west-2: {health_check: 9f8e..., alarm: fraud-scoring-drain-usw2, alarm_region: us-east-1}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from collections.abc import Iterator

Mechanism = Literal["health-check-switch", "routing-control", "record-weights"]
DATA_PLANE: tuple[Mechanism, ...] = ("health-check-switch", "routing-control")
# Route 53's control plane lives in us-east-1 (AWS Fault Isolation Boundaries, "Global services").
ROUTE53_CONTROL_PLANE = "us-east-1"
# An ARC cluster is "a set of five redundant Regional endpoints" (ARC developer guide, "Routing control components").
CLUSTER_ENDPOINTS = 5

_Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")]
_Name = Annotated[str, Field(min_length=1, max_length=256)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrainSwitch(_Strict):
    """One region's record set and the alarm that takes it out of DNS (ALARM: unhealthy)."""

    health_check: _Name = Field(description="the Route 53 health check id on this region's record set")
    alarm: _Name = Field(description="the CloudWatch alarm the health check follows")
    alarm_region: _Region = Field(description="where the alarm lives and evac publishes the metric: the peer region")
    namespace: _Name = "evac"
    metric: _Name = "Drain"


class ClusterEndpoint(_Strict):
    region: _Region
    endpoint: Annotated[str, Field(pattern=r"^https://\S+$", description="the cluster's regional endpoint URL")]


class RoutingControl(_Strict):
    """An ARC cluster (its five regional endpoints) and one routing control per region (On: the region serves)."""

    cluster_endpoints: list[ClusterEndpoint] = Field(min_length=CLUSTER_ENDPOINTS, max_length=CLUSTER_ENDPOINTS)
    controls: dict[_Region, Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:route53-recovery-control::")]] = Field(
        description="the routing control ARN per region"
    )
    health_checks: dict[_Region, _Name] = Field(
        default_factory=dict, description="the RECOVERY_CONTROL health check id on each region's record set"
    )


def mechanism_problems(
    mechanism: Mechanism,
    switch: dict[str, DrainSwitch] | None,
    routing: RoutingControl | None,
    regions: tuple[str, str],
) -> Iterator[str]:
    """What the plan lacks for its mechanism, each naming the field (empty when it has what it needs)."""
    if mechanism == "health-check-switch":
        if switch is None:
            yield "dns.health_check_switch: required when dns.mechanism is health-check-switch"
            return
        yield from _regions("dns.health_check_switch", set(switch), regions)
        for region, drain in switch.items():
            peer = regions[1] if region == regions[0] else regions[0]
            if region in regions and drain.alarm_region != peer:
                yield (
                    f"dns.health_check_switch.{region}.alarm_region: is {drain.alarm_region}, must be {peer} "
                    f"(the peer: the region promoting {peer} must drain {region} without {region})"
                )
    if mechanism == "routing-control":
        if routing is None:
            yield "dns.routing_control: required when dns.mechanism is routing-control"
            return
        yield from _regions("dns.routing_control.controls", set(routing.controls), regions)
        if routing.health_checks:
            yield from _regions("dns.routing_control.health_checks", set(routing.health_checks), regions)


def _regions(field: str, present: set[str], expected: tuple[str, str]) -> Iterator[str]:
    if missing := set(expected) - present:
        yield f"{field}: missing region(s) {sorted(missing)}"
    if extra := present - set(expected):
        yield f"{field}: names region(s) {sorted(extra)} that are not the plan's primary or secondary"
