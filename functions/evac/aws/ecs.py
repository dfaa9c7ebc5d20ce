"""ECS: a service's desired and running task counts and its target groups, and raising its desired count."""

from __future__ import annotations

from typing import Any

from evac.aws.clients import client
from evac.aws.errors import aws_errors
from evac.domain.kinds.ports import ServiceState


class EcsServices:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._ecs = client("ecs", region, probe=probe)

    def service(self, cluster: str, service: str) -> ServiceState | None:
        """The service as DescribeServices reports it; None if the cluster has no such service (``MISSING``)."""
        with aws_errors():
            found = self._ecs.describe_services(cluster=cluster, services=[service])
        if not found.get("services"):
            return None
        described = found["services"][0]
        primary: dict[str, Any] = next(
            (d for d in described.get("deployments", []) if d.get("status") == "PRIMARY"), {}
        )
        return ServiceState(
            status=str(described.get("status", "")),
            desired=int(described.get("desiredCount", 0)),
            running=int(described.get("runningCount", 0)),
            rollout=primary.get("rolloutState"),
            rollout_reason=str(primary.get("rolloutStateReason", "")),
            target_groups=tuple(
                dict.fromkeys(
                    b["targetGroupArn"] for b in described.get("loadBalancers", []) if b.get("targetGroupArn")
                )
            ),
        )

    def set_desired(self, cluster: str, service: str, count: int) -> None:
        with aws_errors():
            self._ecs.update_service(cluster=cluster, service=service, desiredCount=count)
