"""Aurora Global Database: ``CreateGlobalCluster`` from a source cluster in any region (moto 5.2.5: us-east-1 only),
``FailoverGlobalCluster`` / ``SwitchoverGlobalCluster`` (moto 5.2.5: NotImplementedError)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.rds.exceptions import DBClusterNotFoundError, InvalidParameterCombination, RDSClientError
from moto.rds.models import GlobalCluster, RDSBackend, rds_backends
from moto.rds.responses import RDSResponse

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.fidelity.aurora_writes import AuroraWrites
    from evacops.localcloud.fidelity.latencies import Latencies


# arn:<partition>:rds:<region>:<account>:cluster:<identifier>, in any partition (aws, aws-cn, aws-us-gov...).
_CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):cluster:(?P<id>.+)$")


def find_global_cluster(account: str, identifier: str) -> GlobalCluster | None:
    """The global cluster ``identifier`` wherever moto keeps it (5.2.5: in its us-east-1 backend, ``RDSResponse.
    global_backend``), found as moto's own CreateDBCluster finds it: by looking in every regional backend."""
    for backend in rds_backends[account].values():
        if found := backend.global_clusters.get(identifier.lower()):
            return found
    return None


class AuroraGlobalFailover:
    """``CreateGlobalCluster`` from a cluster in any region, ``FailoverGlobalCluster`` and ``SwitchoverGlobalCluster``.

    ``SourceDBClusterIdentifier`` is "the Amazon Resource Name (ARN) to use as the primary cluster of the global
    database", whose engine and engine version the global cluster takes (RDS API Reference, CreateGlobalCluster):
    the ARN names the cluster's region, so the source may live in any region of the account (moto 5.2.5 looks it up
    in us-east-1 only and answers DBClusterNotFoundFault for every other region).

    While the writer moves, the global cluster's ``Status`` is ``failing-over`` / ``switching-over`` and its
    ``FailoverState`` names the source and target clusters; when done the target member ``IsWriter`` and the old
    writer is a reader (API_FailoverGlobalCluster, API_SwitchoverGlobalCluster, API_FailoverState). A switchover is
    refused unless every secondary is ``available`` (InvalidDBClusterStateFault); a failover is refused without
    ``AllowDataLoss`` or ``Switchover`` (InvalidParameterCombination).

    ``writes`` (``aurora_writes``), when given, is the write workload: the writer takes writes from the global
    cluster's creation, a move fences it, and a switchover completes no sooner than the secondary has caught up.
    """

    def __init__(self, timeline: Timeline, latencies: Latencies, writes: AuroraWrites | None = None) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.writes = writes

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_describe = RDSResponse.describe_global_clusters
        original_create = RDSBackend.create_global_cluster

        def create_global_cluster(backend: RDSBackend, *args: Any, **kwargs: Any) -> Any:
            """The source cluster, found in the region its ARN names, is the new global cluster's primary: the writer
            (moto leaves IsWriter false)."""
            source = _source_cluster(kwargs.get("source_db_cluster_identifier"))
            if source is None:
                created = original_create(backend, *args, **kwargs)
            else:
                if kwargs.get("engine") is not None:
                    raise InvalidParameterCombination(
                        "When creating global cluster from existing db cluster, value for engineName should not be "
                        "specified since it will be inherited from source cluster"
                    )
                inherited = {"engine": source.engine, "engine_version": source.engine_version}
                request = {**kwargs, "source_db_cluster_identifier": None, **inherited}
                created = original_create(backend, *args, **request)
                source.global_cluster_identifier = created.global_cluster_arn
                created.members.append(source)
            for member in created.members:
                member.is_writer = True
                if extension.writes is not None:
                    extension.writes.begin(created.global_cluster_identifier, _region_of(member.db_cluster_arn))
            created.failover_state = None  # type: ignore[attr-defined]  # evac adds FailoverState to moto's model
            return created

        def failover_global_cluster(response: RDSResponse) -> ActionResult:
            params = response.params
            if not params.get("AllowDataLoss") and not params.get("Switchover"):
                raise RDSClientError(
                    "InvalidParameterCombination", "Specify AllowDataLoss or Switchover to fail over a global cluster"
                )
            kind = "switching-over" if params.get("Switchover") else "failing-over"
            seconds = (
                extension.latencies.aurora_switchover
                if kind == "switching-over"
                else extension.latencies.aurora_failover
            )
            return extension._promote(response, kind, seconds)

        def switchover_global_cluster(response: RDSResponse) -> ActionResult:
            return extension._promote(response, "switching-over", extension.latencies.aurora_switchover)

        def describe_global_clusters(response: RDSResponse) -> Any:
            extension.timeline.settle()
            return original_describe(response)

        stack.enter_context(patch.object(RDSBackend, "create_global_cluster", create_global_cluster))
        stack.enter_context(patch.object(RDSResponse, "failover_global_cluster", failover_global_cluster, create=True))
        stack.enter_context(
            patch.object(RDSResponse, "switchover_global_cluster", switchover_global_cluster, create=True)
        )
        stack.enter_context(patch.object(RDSResponse, "describe_global_clusters", describe_global_clusters))

    def _promote(self, response: RDSResponse, kind: str, seconds: float) -> ActionResult:
        self.timeline.settle()
        params = response.params
        global_cluster = find_global_cluster(response.current_account, params["GlobalClusterIdentifier"])
        if global_cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"{params['GlobalClusterIdentifier']} not found")
        target_ref = params["TargetDbClusterIdentifier"]
        target = next(
            (m for m in global_cluster.members if target_ref in (m.db_cluster_arn, m.db_cluster_identifier)), None
        )
        if target is None:
            raise RDSClientError("DBClusterNotFoundFault", f"{target_ref} is not a member of the global cluster")
        if global_cluster.status != "available":
            raise RDSClientError(
                "InvalidGlobalClusterStateFault", f"global cluster is {global_cluster.status}, not available"
            )
        source = next(m for m in global_cluster.members if m.is_writer)
        if target is source:
            raise RDSClientError("InvalidParameterValue", f"{target_ref} is already the writer")
        if self.writes is not None:  # the writer is fenced; a switchover waits until the secondary caught up
            failover = kind == "failing-over"
            catch_up = self.writes.fence(global_cluster.global_cluster_identifier, allow_data_loss=failover)
            seconds = max(seconds, catch_up)
        global_cluster.status = kind
        global_cluster.failover_state = {  # type: ignore[attr-defined]
            "Status": kind,
            "FromDbClusterArn": source.db_cluster_arn,
            "ToDbClusterArn": target.db_cluster_arn,
            "IsDataLossAllowed": kind == "failing-over",
        }

        def complete() -> None:
            source.is_writer = False
            target.is_writer = True
            global_cluster.status = "available"
            global_cluster.failover_state = None  # type: ignore[attr-defined]
            if self.writes is not None:
                self.writes.begin(global_cluster.global_cluster_identifier, _region_of(target.db_cluster_arn))

        self.timeline.after(seconds, complete)
        return ActionResult({"GlobalCluster": global_cluster})


def _source_cluster(identifier: str | None) -> Any:
    """The DB cluster a CreateGlobalCluster ``SourceDBClusterIdentifier`` ARN names, looked up in the ARN's region;
    None when the request names no source or not as an ARN (moto's own checks then answer)."""
    if identifier is None or not (arn := _CLUSTER_ARN.match(identifier)):
        return None
    backends = rds_backends[arn["account"]]
    found = backends[arn["region"]].clusters.get(arn["id"]) if arn["region"] in backends.regions else None
    if found is None:
        raise DBClusterNotFoundError(identifier)
    return found


def _region_of(arn: str) -> str:
    return arn.split(":")[3]
