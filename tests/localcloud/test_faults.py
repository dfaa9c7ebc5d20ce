"""Fault injection below the handlers (``evacops.localcloud.faults``), through boto3 on plain moto: each fault reaches
the caller as AWS would send it, in each protocol evac's services speak, after botocore's own retries; a faulted call
changes nothing; only the system under test is faulted and recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from evacops.localcloud.faults import Fault as F  # noqa: N817 - short: every test names one
from evacops.localcloud.faults import FaultInjector, iam_action

if TYPE_CHECKING:
    from contextlib import ExitStack

    from tests.localcloud.conftest import SteppedClock

CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})


class Caller:
    """Who is calling: a function's logical id, or nobody (the harness)."""

    name: str | None = "PlanFunction"

    def __call__(self) -> str | None:
        return self.name


@pytest.fixture
def caller() -> Caller:
    return Caller()


@pytest.fixture
def faults(stack: ExitStack, clock: SteppedClock, caller: Caller) -> FaultInjector:
    injector = FaultInjector(clock, caller, lambda: None)
    injector.install(stack)
    boto3.DEFAULT_SESSION = None  # sessions made from now on carry the hooks
    return injector


def client(service: str, region: str = "us-west-2") -> object:
    return boto3.session.Session().client(service, region_name=region, config=CONFIG)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("service", "call", "kind", "code", "status"),
    [
        ("rds", lambda c: c.describe_db_clusters(), "throttling", "Throttling", 400),  # query
        ("sagemaker", lambda c: c.list_endpoints(), "5xx", "InternalFailure", 500),  # json
        ("dynamodb", lambda c: c.list_tables(), "5xx", "InternalServerError", 500),  # json 1.0
        ("lambda", lambda c: c.list_functions(), "throttling", "TooManyRequestsException", 429),  # rest-json
        ("route53", lambda c: c.list_hosted_zones(), "access-denied", "AccessDenied", 403),  # rest-xml
        ("cloudwatch", lambda c: c.describe_alarms(), "throttling", "Throttling", 400),  # json, query-compatible
        ("sns", lambda c: c.list_topics(), "access-denied", "AuthorizationError", 403),  # query
    ],
)
def test_an_error_fault_reaches_the_caller_as_the_service_sends_it(
    faults: FaultInjector, service: str, call: object, kind: str, code: str, status: int
) -> None:
    faults.inject(F(kind, service=service))  # type: ignore[arg-type]

    with pytest.raises(ClientError) as raised:
        call(client(service))  # type: ignore[operator]

    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)


def test_a_transient_fault_outlasts_botocores_retries_and_the_next_call_succeeds(faults: FaultInjector) -> None:
    rds = client("rds")
    faults.inject(F("throttling", service="rds", operation="DescribeDBClusters"))

    with pytest.raises(ClientError, match="reached max retries: 2"):
        rds.describe_db_clusters()  # type: ignore[attr-defined]
    rds.describe_db_clusters()  # type: ignore[attr-defined]

    assert [(c.operation, c.attempts, c.fault) for c in faults.calls] == [
        ("DescribeDBClusters", 3, "throttling"),
        ("DescribeDBClusters", 1, None),
    ]


def test_a_faulted_call_changes_nothing(faults: FaultInjector) -> None:
    sns = client("sns")
    faults.inject(F("5xx", service="sns", operation="CreateTopic"))

    with pytest.raises(ClientError):
        sns.create_topic(Name="never")  # type: ignore[attr-defined]

    assert sns.list_topics()["Topics"] == []  # type: ignore[attr-defined]


def test_a_fault_matches_its_ordinal_among_matching_calls(faults: FaultInjector) -> None:
    sagemaker = client("sagemaker")
    faults.inject(F("throttling", service="sagemaker", operation="ListEndpoints", first=2))

    sagemaker.list_endpoints()  # type: ignore[attr-defined]
    with pytest.raises(ClientError):
        sagemaker.list_endpoints()  # type: ignore[attr-defined]
    sagemaker.list_endpoints()  # type: ignore[attr-defined]

    assert [c.fault for c in faults.calls] == [None, "throttling", None]


def test_a_timeout_costs_the_clients_read_timeout_on_every_attempt(faults: FaultInjector, clock: SteppedClock) -> None:
    faults.inject(F("timeout", service="rds"))
    before = clock.elapsed()

    with pytest.raises(ReadTimeoutError):
        client("rds").describe_db_clusters()  # type: ignore[attr-defined]

    waited = clock.elapsed() - before
    assert 3 * 5 <= waited <= 3 * 5 + 1 + 2  # three reads of 5 s, and botocore's backoff between them


def test_a_connection_fault_fails_at_once(faults: FaultInjector) -> None:
    faults.inject(F("connection", service="dynamodb"))

    with pytest.raises(EndpointConnectionError):
        client("dynamodb").list_tables()  # type: ignore[attr-defined]


def test_a_blackout_times_out_every_call_to_the_region_but_not_to_others(
    faults: FaultInjector, clock: SteppedClock
) -> None:
    faults.blackout("us-west-2")
    before = clock.elapsed()

    with pytest.raises(ConnectTimeoutError):
        client("rds", "us-west-2").describe_db_clusters()  # type: ignore[attr-defined]
    client("rds", "us-east-1").describe_db_clusters()  # type: ignore[attr-defined]
    client("route53", "us-west-2").list_hosted_zones()  # type: ignore[attr-defined]  # its control plane: us-east-1

    assert clock.elapsed() - before <= 3 * 2 + 1 + 2  # each attempt waits out the 2 s connect timeout
    assert [(c.region, c.fault) for c in faults.calls] == [
        ("us-west-2", "blackout"),
        ("us-east-1", None),
        ("aws-global", None),
    ]


def test_a_us_east_1_blackout_takes_route53s_control_plane_with_it(faults: FaultInjector) -> None:
    # Route 53 is a global service whose control plane lives in us-east-1 (AWS Fault Isolation Boundaries)
    faults.blackout("us-east-1")

    with pytest.raises(ConnectTimeoutError):
        client("route53", "us-west-2").list_hosted_zones()  # type: ignore[attr-defined]

    assert [(c.service, c.fault) for c in faults.calls] == [("route53", "blackout")]


def test_the_harness_is_neither_faulted_nor_recorded(faults: FaultInjector, caller: Caller) -> None:
    caller.name = None
    faults.inject(F("access-denied"))

    client("rds").describe_db_clusters()  # type: ignore[attr-defined]

    assert faults.calls == []


def test_calls_are_recorded_with_their_caller_and_iam_action(faults: FaultInjector) -> None:
    client("rds").describe_db_clusters()  # type: ignore[attr-defined]

    (call,) = faults.calls
    assert (call.caller, call.service, call.operation, call.region, call.action) == (
        "PlanFunction",
        "rds",
        "DescribeDBClusters",
        "us-west-2",
        "rds:DescribeDBClusters",
    )
    assert iam_action("sagemaker-runtime", "InvokeEndpoint") == "sagemaker:InvokeEndpoint"
    assert iam_action("lambda", "Invoke") == "lambda:InvokeFunction"
