"""CloudWatch: the replication lags that estimate a failover's data loss (Aurora, S3 Replication), and the plan's
alarm states as the confirmation watch reads them."""

from __future__ import annotations

from datetime import timedelta

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError

from evac import clock
from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code, is_transient
from evac.domain.ports import LagReading
from evac.domain.trigger import AlarmReading
from evac.errors import MetricUnavailableError

# AuroraGlobalDBRPOLag is the documented RPO signal; older engines only publish AuroraGlobalDBReplicationLag.
LAG_METRICS = ("AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag")


class AuroraLag:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._cloudwatch = client("cloudwatch", region, probe=probe)

    def lag_seconds(self, cluster_id: str) -> float | None:
        """The latest lag of ``cluster_id`` (a secondary) in seconds over the last 10 minutes; None if no datapoint.

        Raises ``MetricUnavailableError`` naming the call if CloudWatch refuses or does not answer (``transient``
        when it throttles, fails or times out: the runbook retries those before going on without the lag).
        """
        found = self._read(cluster_id)
        return found.seconds if found else None

    def reading(self, cluster_id: str) -> LagReading | None:
        """The latest lag and the metric it came from; None if neither metric has a datapoint.

        Raises ``MetricUnavailableError`` (an ``EvacError``: readiness's check reads it as unknown, naming the call).
        """
        return self._read(cluster_id)

    def _read(self, cluster_id: str) -> LagReading | None:
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
            except ClientError as exc:
                raise MetricUnavailableError(
                    f"GetMetricStatistics {metric} of {cluster_id} failed: {exc}", transient=is_transient(exc)
                ) from exc
            except BotoCoreError as exc:
                raise MetricUnavailableError(
                    f"GetMetricStatistics {metric} of {cluster_id} did not answer: {exc}", transient=True
                ) from exc
            if points:
                latest = max(points, key=lambda p: p["Timestamp"])
                return LagReading(round(float(latest["Maximum"]) / 1000.0, 3), metric)  # both are in milliseconds
        return None


class AlarmStates:
    """Alarm states in one region, read through the probe client when that region may be the one failing."""

    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._cloudwatch = client("cloudwatch", region, probe=probe)

    def read(self, names: list[str]) -> dict[str, AlarmReading]:
        """Name -> state and since when, or why it could not be read: one DescribeAlarms for the whole region.

        The region *answered* (an alarm it does not know reads INSUFFICIENT_DATA), *refused* (an error answer:
        throttling, AccessDenied, validation; each name reads ``refused`` with the code and message) or stayed
        *silent* (a connect or read timeout, no endpoint: each name reads ``silent``). The policy weighs them
        (``evac.domain.trigger.confirm``): neither refused nor silent is evidence of failure on its own.

        Example, throttled: ``{"fraud-scoring-inference-5xx": AlarmReading.refused("Throttling: Rate exceeded")}``.
        """
        try:
            found = self._cloudwatch.describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        except ClientError as exc:
            refused = AlarmReading.refused(
                f"{error_code(exc) or 'Unknown'}: {exc.response.get('Error', {}).get('Message', '')}"
            )
            return dict.fromkeys(names, refused)
        except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
            return dict.fromkeys(names, AlarmReading.silent(type(exc).__name__))
        except BotoCoreError as exc:  # the request never left (parameters, credentials): a refusal of our own making
            return dict.fromkeys(names, AlarmReading.refused(f"{type(exc).__name__}: {exc}"))
        alarms = [*found.get("MetricAlarms", []), *found.get("CompositeAlarms", [])]
        readings = {a["AlarmName"]: AlarmReading(a["StateValue"], a["StateUpdatedTimestamp"]) for a in alarms}
        return {name: readings.get(name, AlarmReading(state="INSUFFICIENT_DATA", since=None)) for name in names}


class S3ReplicationLatency:
    """S3 Replication metrics (published in the source bucket's region when the rule enables metrics or RTC)."""

    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._cloudwatch = client("cloudwatch", region, probe=probe)

    def latency_seconds(self, source: str, destination: str, rule_id: str) -> float | None:
        """The worst ``ReplicationLatency`` of the rule over the last 15 minutes, in seconds; None without data."""
        end = clock.now()
        with aws_errors():
            points = self._cloudwatch.get_metric_statistics(
                Namespace="AWS/S3",
                MetricName="ReplicationLatency",
                Dimensions=[
                    {"Name": "SourceBucket", "Value": source},
                    {"Name": "DestinationBucket", "Value": destination},
                    {"Name": "RuleId", "Value": rule_id},
                ],
                StartTime=end - timedelta(minutes=15),
                EndTime=end,
                Period=60,
                Statistics=["Maximum"],
            )["Datapoints"]
        return max(float(p["Maximum"]) for p in points) if points else None


class TableReplicationLatency:
    """DynamoDB global tables' ``ReplicationLatency`` (milliseconds, dimensions ``TableName`` and ``ReceivingRegion``),
    published in the region the items were written in (DynamoDB developer guide, "Monitoring global tables")."""

    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._cloudwatch = client("cloudwatch", region, probe=probe)

    def replication_latency(self, table: str, receiving_region: str) -> float | None:
        """The worst ``ReplicationLatency`` of ``table`` towards ``receiving_region`` over the last 15 minutes, in
        seconds; None without data."""
        end = clock.now()
        with aws_errors():
            points = self._cloudwatch.get_metric_statistics(
                Namespace="AWS/DynamoDB",
                MetricName="ReplicationLatency",
                Dimensions=[
                    {"Name": "TableName", "Value": table},
                    {"Name": "ReceivingRegion", "Value": receiving_region},
                ],
                StartTime=end - timedelta(minutes=15),
                EndTime=end,
                Period=60,
                Statistics=["Maximum"],
            )["Datapoints"]
        return max(float(p["Maximum"]) for p in points) / 1000 if points else None
