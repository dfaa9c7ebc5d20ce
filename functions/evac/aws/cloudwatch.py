"""CloudWatch: the replication lag that estimates a failover's data loss."""

from __future__ import annotations

from datetime import timedelta

from botocore.exceptions import BotoCoreError, ClientError

from evac import clock
from evac.aws.clients import client

# AuroraGlobalDBRPOLag is the documented RPO signal; older engines only publish AuroraGlobalDBReplicationLag.
LAG_METRICS = ("AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag")


class AuroraLag:
    def __init__(self, region: str) -> None:
        self._cloudwatch = client("cloudwatch", region)

    def lag_seconds(self, cluster_id: str) -> float | None:
        """The latest lag of ``cluster_id`` (a secondary) in seconds over the last 10 minutes; None if unreadable."""
        end = clock.now()
        for metric in LAG_METRICS:
            try:
                points = self._cloudwatch.get_metric_statistics(
                    Namespace="AWS/RDS",
                    MetricName=metric,
                    Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster_id}],
                    StartTime=end - timedelta(minutes=10),
                    EndTime=end,
                    Period=60,
                    Statistics=["Maximum"],
                )["Datapoints"]
            except (BotoCoreError, ClientError):
                return None
            if points:
                latest = max(points, key=lambda p: p["Timestamp"])
                return round(float(latest["Maximum"]) / 1000.0, 3)  # both metrics are in milliseconds
        return None
