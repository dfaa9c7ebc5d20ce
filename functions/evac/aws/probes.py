"""Outside-in probe calls, one per service, each bounded by the plan's ``probes.timeout_seconds`` in one attempt.

What a call's failure means (AWS's error model: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):

- no answer in time, no connection, a 5xx: the region did not serve the call -> ``failed``;
- throttling, AccessDenied, a validation error (any other 4xx): the region answered and refused -> ``unknown``
  (fail closed: a refusal is no evidence of an outage, and is counted apart);
- SageMaker Runtime's ``ModelError`` (424: the container answered with an error) is an inference failure ->
  ``failed``; an answer slower than the canary's latency limit is a gray failure -> ``failed``.

Example::

    canary("us-east-1", "fraud-scoring-xgb", canary_spec, timeout_seconds=3.0)  # ProbeResult("canary ...", "ok")
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from evac import clock
from evac.aws.clients import bounded
from evac.aws.errors import error_code
from evac.domain.probes import ProbeResult, timed

if TYPE_CHECKING:
    from datetime import datetime

    from evac.domain.plan_inference import CanarySpec
    from evac.domain.probes import Round

NAMESPACE = "evac/Probes"
# How long a prober waits to publish its verdicts to its own region's CloudWatch.
PUBLISH_TIMEOUT_SECONDS = 5.0
_FAILING_CODES = frozenset({"ModelError", "ModelNotReadyException", "InternalFailure", "ServiceUnavailable"})


def _client_error(name: str, exc: ClientError) -> ProbeResult:
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    code = error_code(exc)
    if status >= 500 or code in _FAILING_CODES:
        return ProbeResult(name, "failed", f"{code} ({status})")
    return ProbeResult(name, "unknown", f"refused: {code} ({status})")


def canary(region: str, endpoint: str, spec: CanarySpec, *, timeout_seconds: float) -> ProbeResult:
    """One InvokeEndpoint of the plan's canary on ``region``'s endpoint, timed as its client sees it."""
    name = f"canary {endpoint}"
    started = clock.stopwatch()
    try:
        response = bounded("sagemaker-runtime", region, timeout_seconds).invoke_endpoint(
            EndpointName=endpoint, Body=spec.body, ContentType=spec.content_type
        )
        response["Body"].read()
    except ClientError as exc:
        return _client_error(name, exc)
    except BotoCoreError as exc:
        return ProbeResult(name, "failed", f"no answer: {exc}")
    return timed(name, (clock.stopwatch() - started) * 1000, spec.max_latency_ms)


def database(region: str, cluster: str, *, timeout_seconds: float) -> ProbeResult:
    """DescribeDBClusters of the plan's cluster in ``region``: does its RDS API answer?"""
    name = f"database {cluster}"
    try:
        bounded("rds", region, timeout_seconds).describe_db_clusters(DBClusterIdentifier=cluster)
    except ClientError as exc:
        return _client_error(name, exc)
    except BotoCoreError as exc:
        return ProbeResult(name, "failed", f"no answer: {exc}")
    return ProbeResult(name, "ok")


def health_url(url: str, *, timeout_seconds: float) -> ProbeResult:
    """GET the application's regional health URL: 2xx/3xx ok; 5xx, no connection or no answer in time failed; any
    other 4xx unknown (a refusal says the region answers)."""
    name = f"health {url}"
    try:
        with urllib.request.urlopen(url, timeout=timeout_seconds) as response:  # noqa: S310 - the plan's https URL
            response.read(1024)
    except urllib.error.HTTPError as exc:
        return ProbeResult(name, "failed" if exc.code >= 500 else "unknown", f"HTTP {exc.code}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return ProbeResult(name, "failed", f"no answer: {exc}")
    return ProbeResult(name, "ok")


def publish(
    region: str, *, application: str, watched: str, vantage: str, round_: Round, at: datetime | None = None
) -> None:
    """The round's failure share (when any call was counted) and its unknowns, as metrics in the prober's region.

    PutMetricData rather than Powertools' EMF: the alarm must see the datapoint in this region within its period, and
    EMF metrics are extracted from the function's log group asynchronously.
    """
    dimensions = [
        {"Name": "Application", "Value": application},
        {"Name": "Watched", "Value": watched},
        {"Name": "Vantage", "Value": vantage},
    ]
    at = at or clock.now()  # the round's scheduled time when the schedule gives it
    data = [
        {
            "MetricName": "ProbeUnknown",
            "Dimensions": dimensions,
            "Value": round_.unknown,
            "Unit": "Count",
            "Timestamp": at,
        }
    ]
    if (share := round_.failure_share) is not None:
        data.append(
            {
                "MetricName": "ProbeFailureShare",
                "Dimensions": dimensions,
                "Value": share,
                "Unit": "None",
                "Timestamp": at,
            }
        )
    bounded("cloudwatch", region, PUBLISH_TIMEOUT_SECONDS).put_metric_data(Namespace=NAMESPACE, MetricData=data)
