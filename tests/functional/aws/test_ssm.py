"""The kill switch on moto: read with Powertools Parameters, a missing parameter is "not paused", and any other error
reaches the step as botocore raised it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError
from moto import mock_aws

from evac.aws import clients
from evac.aws.ssm import AutomaticFailoverSwitch

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "us-west-2"
SWITCH = "/evac/fraud-scoring/automatic"


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An empty account, and evac's clients (so the switch's cache) renewed before and after."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    clients.clear()
    with mock_aws():
        yield boto3.client("ssm", REGION)
    clients.clear()


def fail_every_read(error: Exception) -> None:
    def raise_it(**_: Any) -> None:
        raise error

    clients.client("ssm", REGION).meta.events.register("before-call.ssm.GetParameter", raise_it)


@pytest.mark.parametrize(("value", "paused"), [("paused", True), (" Paused\n", True), ("automatic", False)])
def test_the_switch_is_paused_only_when_the_parameter_reads_paused(ssm: Any, value: str, paused: bool) -> None:
    ssm.put_parameter(Name=SWITCH, Value=value, Type="String")

    assert AutomaticFailoverSwitch(REGION).paused(SWITCH) is paused


def test_a_missing_parameter_means_not_paused(ssm: Any) -> None:
    assert AutomaticFailoverSwitch(REGION).paused(SWITCH) is False


def test_a_warm_container_reads_the_switch_at_most_every_30_seconds(ssm: Any) -> None:
    # GIVEN a switch already read as not paused
    ssm.put_parameter(Name=SWITCH, Value="automatic", Type="String")
    assert AutomaticFailoverSwitch(REGION).paused(SWITCH) is False

    # WHEN a person pauses it, THEN the next read within the cache's max age still sees the value it read
    ssm.put_parameter(Name=SWITCH, Value="paused", Type="String", Overwrite=True)
    assert AutomaticFailoverSwitch(REGION).paused(SWITCH) is False
    # ... and a new client (a new container) reads the pause
    clients.clear()
    assert AutomaticFailoverSwitch(REGION).paused(SWITCH) is True


def test_access_denied_is_not_read_as_not_paused(ssm: Any) -> None:
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetParameter")
    fail_every_read(denied)

    with pytest.raises(ClientError, match="AccessDeniedException") as raised:
        AutomaticFailoverSwitch(REGION).paused(SWITCH)
    assert raised.value is denied


def test_a_region_that_does_not_answer_is_not_read_as_not_paused(ssm: Any) -> None:
    fail_every_read(ConnectTimeoutError(endpoint_url=f"https://ssm.{REGION}.amazonaws.com"))

    with pytest.raises(ConnectTimeoutError):
        AutomaticFailoverSwitch(REGION).paused(SWITCH)
