"""The EventBridge rules adapter on moto: a rule's State read and turned on its bus (the default one or another), a
missing rule read as None and never created by a turn, and botocore's errors as evac's (throttling retried by the
ASL, a refusal named)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from evac.aws import clients
from evac.aws.events import Rules
from evac.errors import AwsCallError, AwsTransientError

if TYPE_CHECKING:
    from collections.abc import Iterator

REGION = "us-west-2"
RULE = "rag-assistant-finetune-usw2"
PATTERN = '{"source": ["rag-assistant.conversations"]}'


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An account with the fine-tuning rule, DISABLED, on the default bus and on the application's own bus."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    clients.clear()
    with mock_aws():
        events = boto3.client("events", REGION)
        events.create_event_bus(Name="rag-assistant-pipelines")
        events.put_rule(Name=RULE, ScheduleExpression="cron(0 3 * * ? *)", State="DISABLED")
        # a scheduled rule is only on the default bus: another bus's rule matches events
        events.put_rule(Name=RULE, EventBusName="rag-assistant-pipelines", EventPattern=PATTERN, State="DISABLED")
        yield events
    clients.clear()


@pytest.mark.parametrize("bus", ["default", "rag-assistant-pipelines"])
def test_a_rule_is_enabled_and_disabled_on_its_own_bus_only(events: Any, bus: str) -> None:
    rules = Rules(REGION)
    other = "rag-assistant-pipelines" if bus == "default" else "default"

    rules.set_enabled(RULE, bus, True)
    assert (rules.state(RULE, bus), rules.state(RULE, other)) == ("ENABLED", "DISABLED")
    found = events.describe_rule(Name=RULE, EventBusName=bus)
    assert found.get("ScheduleExpression") or found["EventPattern"]  # nothing but the State changed

    rules.set_enabled(RULE, bus, False)
    assert rules.state(RULE, bus) == "DISABLED"


def test_a_missing_rule_reads_as_none_and_a_turn_creates_nothing(events: Any) -> None:
    rules = Rules(REGION)

    assert rules.state("rag-assistant-gone", "default") is None
    rules.set_enabled("rag-assistant-gone", "default", True)
    assert [r["Name"] for r in events.list_rules()["Rules"]] == [RULE]


@pytest.mark.parametrize(
    ("code", "status", "raised"),
    [("ThrottlingException", 400, AwsTransientError), ("AccessDeniedException", 400, AwsCallError)],
)
def test_botocores_errors_are_evacs(events: Any, code: str, status: int, raised: type[Exception]) -> None:
    rules = Rules(REGION)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                          "EnableRule")  # fmt: skip

    clients.client("events", REGION).meta.events.register("before-call.events.EnableRule", refuse)

    with pytest.raises(raised, match=f"EnableRule failed: {code}"):
        rules.set_enabled(RULE, "default", True)
    assert rules.state(RULE, "default") == "DISABLED"
