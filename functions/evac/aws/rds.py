"""Aurora Global Database: who writes, and moving the writer (switchover or failover)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code, is_transient
from evac.domain.ports import GlobalClusterState, Reachability
from evac.errors import DatabasePromotionError, ResourceNotFoundError

# FailoverState.Status while the writer is moving: "pending" (the request is being verified) comes first, so a
# promotion in that state is under way too and must not be requested again (API_FailoverState).
# FailoverState.Status while a switchover or failover is in flight, "cancelling" included: no other may start until it
# is over (API_FailoverState: pending | failing-over | cancelling; switching-over for a switchover).
_PROMOTING = {"pending", "switching-over", "failing-over", "cancelling"}


def region_of(arn: str) -> str:
    """``arn:aws:rds:us-west-2:123456789012:cluster:x`` -> ``us-west-2``."""
    return arn.split(":")[3]


class AuroraGlobal:
    """The global cluster as seen from ``region`` (DescribeGlobalClusters answers in any region)."""

    def __init__(self, region: str, *, probe: bool = False) -> None:
        self.region = region
        self._rds = client("rds", region, probe=probe)

    def global_state(self, global_cluster: str) -> GlobalClusterState:
        found = self._rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster)["GlobalClusters"][0]
        writer = next((m["DBClusterArn"] for m in found["GlobalClusterMembers"] if m["IsWriter"]), None)
        failover = found.get("FailoverState") or {}
        promoting_to = None
        if failover.get("Status") in _PROMOTING and failover.get("ToDbClusterArn"):
            promoting_to = region_of(failover["ToDbClusterArn"])
        return GlobalClusterState(
            writer_region=region_of(writer) if writer else None, status=found["Status"], promoting_to=promoting_to
        )

    def cluster_arn(self, cluster_id: str) -> str:
        return str(self._describe(cluster_id)["DBClusterArn"])

    def cluster_status(self, cluster_id: str) -> str:
        return str(self._describe(cluster_id)["Status"])

    def switchover(self, global_cluster: str, target_cluster_arn: str) -> None:
        """Planned: the writer moves after replication catches up, so no data is lost (RPO 0)."""
        try:
            self._rds.switchover_global_cluster(
                GlobalClusterIdentifier=global_cluster, TargetDbClusterIdentifier=target_cluster_arn
            )
        except ClientError as exc:
            if is_transient(exc):
                raise  # throttled or a 5xx: the runbook retries the step
            raise DatabasePromotionError(f"SwitchoverGlobalCluster refused: {exc}") from exc

    def failover(self, global_cluster: str, target_cluster_arn: str) -> None:
        """Unplanned: promote the secondary now, accepting the loss of what had not replicated."""
        try:
            self._rds.failover_global_cluster(
                GlobalClusterIdentifier=global_cluster,
                TargetDbClusterIdentifier=target_cluster_arn,
                AllowDataLoss=True,
            )
        except ClientError as exc:
            if is_transient(exc):
                raise  # throttled or a 5xx: the runbook retries the step
            raise DatabasePromotionError(f"FailoverGlobalCluster refused: {exc}") from exc

    def _describe(self, cluster_id: str) -> dict:
        with aws_errors():
            try:
                return dict(self._rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0])
            except ClientError as exc:
                if error_code(exc) == "DBClusterNotFoundFault":
                    raise ResourceNotFoundError(f"cluster {cluster_id} does not exist in {self.region}") from exc
                raise


def probe(region: str, cluster_id: str) -> Reachability:
    """Whether the region's RDS API answers for the cluster, asked once with the probe's bounded timeout.

    A refusal (throttling, AccessDenied, a 4xx) is an answer: the region is up, and the refusal is worth a warning.
    A timeout, no connection or a 5xx is not.
    """
    try:
        client("rds", region, probe=True).describe_db_clusters(DBClusterIdentifier=cluster_id)
    except ClientError as exc:
        detail = f"DescribeDBClusters in {region}: {exc}"
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return Reachability(answers=status < 500, detail=detail)
    except BotoCoreError as exc:
        return Reachability(answers=False, detail=f"DescribeDBClusters in {region} did not answer: {exc}")
    return Reachability(answers=True)
