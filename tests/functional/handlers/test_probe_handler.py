"""The probe handler on moto: a round from us-west-2 against the seeded us-east-1, published in us-west-2."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from evac.aws.probes import NAMESPACE, _client_error
from evac.handlers import probe

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud


def _share(region: str) -> list[float]:
    stats = boto3.client("cloudwatch", region).get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName="ProbeFailureShare",
        Dimensions=[
            {"Name": "Application", "Value": "fraud-scoring"},
            {"Name": "Watched", "Value": "us-east-1"},
            {"Name": "Vantage", "Value": region},
        ],
        StartTime="2000-01-01T00:00:00Z",
        EndTime="2100-01-01T00:00:00Z",
        Period=60,
        Statistics=["Average"],
    )
    return [p["Average"] for p in stats["Datapoints"]]


def test_a_round_against_a_serving_primary_publishes_no_failure_in_the_probers_region(cloud: Cloud) -> None:
    result = cloud.invoke(probe, {})

    assert (result["watched"], result["vantage"], result["failure_share"]) == ("us-east-1", "us-west-2", 0.0)
    assert _share("us-west-2") == [0.0]
    assert _share("us-east-1") == []  # nothing is published in the region watched


def test_a_primary_whose_endpoint_is_gone_fails_the_canary(cloud: Cloud) -> None:
    boto3.client("sagemaker", "us-east-1").delete_endpoint(EndpointName="fraud-scoring-xgb")

    result = cloud.invoke(probe, {})

    assert result["failed"] + result["unknown"] >= 1
    assert result["ok"] == 1  # the database still answers


def _error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "InvokeEndpoint")


def test_refusals_are_unknown_and_server_errors_are_failures() -> None:
    assert _client_error("x", _error("AccessDeniedException", 403)).outcome == "unknown"
    assert _client_error("x", _error("ThrottlingException", 400)).outcome == "unknown"
    assert _client_error("x", _error("ValidationError", 400)).outcome == "unknown"
    assert _client_error("x", _error("InternalFailure", 500)).outcome == "failed"
    assert _client_error("x", _error("ModelError", 424)).outcome == "failed"
