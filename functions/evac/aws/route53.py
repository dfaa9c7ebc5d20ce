"""Route 53 (a global service): the weighted record sets that steer traffic between regions.

Every call here is Route 53's control plane, served from us-east-1 whatever region calls it (AWS Fault Isolation
Boundaries, "Global services"): one that does not answer raises ``ControlPlaneUnavailableError``, so the runbook can
move traffic on the plan's data plane instead (``evac.domain.dns_switch``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code
from evac.domain.plan_dns import ROUTE53_CONTROL_PLANE
from evac.errors import ControlPlaneUnavailableError, DnsShiftError, ResourceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterator

_API_REGION = ROUTE53_CONTROL_PLANE


@contextmanager
def control_plane(operation: str) -> Iterator[None]:
    """A Route 53 call that times out (or whose endpoint cannot be reached) is ``ControlPlaneUnavailableError``."""
    try:
        yield
    except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
        raise ControlPlaneUnavailableError(f"Route 53 {operation} did not answer: {exc}") from exc


class WeightedRecords:
    """``probe``: one quick try per call (2 s connect, 3 s read, no retry), for a run that has a data plane to fall
    back on: it learns that the control plane is gone in seconds, not after botocore's retries."""

    def __init__(self, *, probe: bool = False) -> None:
        self._route53 = client("route53", _API_REGION, probe=probe)
        # A hosted zone's id never changes while it exists: looked up once per zone (an instance serves one
        # invocation), not before each read and change: one call less each time to Route 53's control plane (us-east-1)
        self._zone_ids: dict[str, str] = {}

    def weights(self, zone: str, name: str, record_type: str) -> dict[str, int]:
        """Set identifier -> weight for the weighted record sets of ``name``."""
        return {r["SetIdentifier"]: int(r["Weight"]) for r in self._record_sets(zone, name, record_type)}

    def set_weights(self, zone: str, name: str, record_type: str, weights: dict[str, int]) -> str:
        """UPSERT the record sets with new weights, keeping every other attribute; returns the change id."""
        changes = [
            {"Action": "UPSERT", "ResourceRecordSet": rrs | {"Weight": weights[rrs["SetIdentifier"]]}}
            for rrs in self._record_sets(zone, name, record_type)
            if rrs["SetIdentifier"] in weights
        ]
        if len(changes) != len(weights):
            raise DnsShiftError(f"{name} lacks record sets for {sorted(weights)}")
        zone_id = self._zone_id(zone)
        with control_plane("ChangeResourceRecordSets"):
            response = self._route53.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Comment": "evac failover", "Changes": changes}
            )
        return str(response["ChangeInfo"]["Id"])

    def health_checks(self, zone: str, name: str, record_type: str) -> dict[str, str | None]:
        """Set identifier -> health check id (None if the record set has none)."""
        with aws_errors():
            try:
                return {r["SetIdentifier"]: r.get("HealthCheckId") for r in self._record_sets(zone, name, record_type)}
            except DnsShiftError as exc:  # the zone is missing
                raise ResourceNotFoundError(str(exc)) from exc

    def health_check_exists(self, health_check_id: str) -> bool:
        return self.health_check_config(health_check_id) is not None

    def health_check_config(self, health_check_id: str) -> dict | None:
        """GetHealthCheck's ``HealthCheckConfig`` (None: no such health check)."""
        with aws_errors(), control_plane("GetHealthCheck"):
            try:
                found = self._route53.get_health_check(HealthCheckId=health_check_id)["HealthCheck"]
                return dict(found["HealthCheckConfig"])
            except ClientError as exc:
                if error_code(exc) == "NoSuchHealthCheck":
                    return None
                raise

    def checkers_healthy(self, health_check_id: str) -> tuple[int, int] | None:
        """(checkers reporting Success, checkers reporting) from GetHealthCheckStatus; None: no such health check."""
        with aws_errors(), control_plane("GetHealthCheckStatus"):
            try:
                found = self._route53.get_health_check_status(HealthCheckId=health_check_id)
            except ClientError as exc:
                if error_code(exc) == "NoSuchHealthCheck":
                    return None
                raise
        statuses = [str(o.get("StatusReport", {}).get("Status", "")) for o in found["HealthCheckObservations"]]
        return sum(s.startswith("Success") for s in statuses), len(statuses)

    def change_done(self, change_id: str) -> bool:
        with control_plane("GetChange"):
            return bool(self._route53.get_change(Id=change_id)["ChangeInfo"]["Status"] == "INSYNC")

    def _record_sets(self, zone: str, name: str, record_type: str) -> list[dict]:
        zone_id = self._zone_id(zone)
        with control_plane("ListResourceRecordSets"):
            found = self._route53.list_resource_record_sets(
                HostedZoneId=zone_id, StartRecordName=name, StartRecordType=record_type
            )["ResourceRecordSets"]
        wanted = name.rstrip(".") + "."
        return [r for r in found if r["Name"] == wanted and r["Type"] == record_type and "SetIdentifier" in r]

    def _zone_id(self, zone: str) -> str:
        wanted = zone.rstrip(".") + "."
        if wanted not in self._zone_ids:
            self._zone_ids[wanted] = self._look_up_zone(wanted)
        return self._zone_ids[wanted]

    def _look_up_zone(self, wanted: str) -> str:
        with control_plane("ListHostedZonesByName"):
            zones = self._route53.list_hosted_zones_by_name(DNSName=wanted)["HostedZones"]
        match = next((z for z in zones if z["Name"] == wanted), None)
        if match is None:
            raise DnsShiftError(f"hosted zone {wanted.rstrip('.')} not found")
        return str(match["Id"]).rsplit("/", 1)[-1]
