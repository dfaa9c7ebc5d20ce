"""Route 53 Application Recovery Controller's data plane (``route53-recovery-cluster``): routing control states.

A cluster answers on five regional endpoints; AWS's advice is to try them in turn, since any one may be unavailable
(ARC API reference, UpdateRoutingControlStates: "we recommend that you retry your request with each of the
Regional endpoints"). Each attempt is one try with a bounded timeout (``clients.PROBE``), the endpoints in the target
region first and the source region's last. Each record set carries a health check of type ``RECOVERY_CONTROL`` on its
region's routing control: On, healthy; Off, unhealthy (Route 53 developer guide, "Health checks for routing
controls").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, is_transient
from evac.errors import AwsCallError, EvacError, RegionUnavailableError

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_dns import ClusterEndpoint

SERVICE = "route53-recovery-cluster"


class RoutingControls:
    mechanism = "routing-control"

    def __init__(self, plan: RecoveryPlan) -> None:
        if plan.dns.routing_control is None:
            raise EvacError("dns.routing_control is not in the plan")
        self._endpoints: list[ClusterEndpoint] = list(plan.dns.routing_control.cluster_endpoints)
        self._controls = dict(plan.dns.routing_control.controls)

    def switch(self, source: str, target: str) -> str:
        """Target On and source Off in one request (both or neither), on the first endpoint that answers."""
        entries = [
            {"RoutingControlArn": self._controls[target], "RoutingControlState": "On"},
            {"RoutingControlArn": self._controls[source], "RoutingControlState": "Off"},
        ]
        where = self._first_answer(
            target, source, lambda arc: arc.update_routing_control_states(UpdateRoutingControlStateEntries=entries)
        )[0]
        return f"routing control {target} On, {source} Off (cluster endpoint in {where})"

    def switched(self, source: str, target: str) -> str | None:
        states = {region: self._state(arn, target, source) for region, arn in self._controls.items()}
        if states.get(target) == "On" and states.get(source) == "Off":
            return None
        return f"routing controls are {states}, expected {target} On and {source} Off"

    def control_state(self, region: str, peer: str) -> str:
        """The state of ``region``'s routing control, asking the cluster's endpoints in ``region`` first."""
        return self._state(self._controls[region], region, peer)

    def _state(self, arn: str, target: str, source: str) -> str:
        def read(arc: Any) -> dict[str, Any]:
            return dict(arc.get_routing_control_state(RoutingControlArn=arn))

        return str(self._first_answer(target, source, read)[1]["RoutingControlState"])

    def _first_answer(
        self, target: str, source: str, call: Callable[[Any], dict[str, Any]]
    ) -> tuple[str, dict[str, Any]]:
        """The first answer of the cluster's endpoints, the target region's first; every failure named if none."""
        order = sorted(self._endpoints, key=lambda e: (e.region != target, e.region == source))
        failures = []
        for endpoint in order:
            arc = client(SERVICE, endpoint.region, probe=True, endpoint_url=endpoint.endpoint)
            try:
                with aws_errors():
                    try:
                        return endpoint.region, call(arc)
                    except ClientError as exc:
                        if not is_transient(exc) and _code(exc) != "EndpointTemporarilyUnavailableException":
                            raise
                        failures.append(f"{endpoint.region}: {_code(exc)}")
                        continue
            except RegionUnavailableError as exc:
                failures.append(f"{endpoint.region}: {exc}")
        raise AwsCallError(f"no ARC cluster endpoint answered: {'; '.join(failures)}")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
