"""Security hygiene of template.yaml: encryption at rest, recovery, logs that are kept (but not forever), and no way
in that IAM does not authorise."""

from __future__ import annotations

from typing import Any

import pytest

from evacops.template import ROOT, functions, load_template, state_machines

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
FUNCTIONS = functions(TEMPLATE)
# Entry points that answer without SigV4 (or can be made to): none may exist.
UNAUTHENTICATED_TYPES = {
    "AWS::Lambda::Url",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGatewayV2::Api",
}


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {logical: r for logical, r in RESOURCES.items() if r["Type"] == kind}


def test_the_ledger_is_encrypted_with_kms_and_recoverable_to_any_point() -> None:
    for table in of_type("AWS::DynamoDB::Table").values():
        props = table["Properties"]
        assert props["SSESpecification"] == props["SSESpecification"] | {"SSEEnabled": True, "SSEType": "KMS"}
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_notifications_are_encrypted_with_kms() -> None:
    topics = of_type("AWS::SNS::Topic")

    assert topics
    assert all(t["Properties"].get("KmsMasterKeyId") for t in topics.values())


@pytest.mark.parametrize("logical", sorted(FUNCTIONS))
def test_every_function_logs_to_its_own_group_with_a_retention(logical: str) -> None:
    group = FUNCTIONS[logical]["LoggingConfig"]["LogGroup"]
    assert list(group) == ["Ref"], "the group is one of the template's own, by Ref"
    resource = RESOURCES[group["Ref"]]

    assert resource["Type"] == "AWS::Logs::LogGroup"
    assert resource["Properties"]["RetentionInDays"]
    assert FUNCTIONS[logical]["LoggingConfig"]["LogFormat"] == "JSON"


@pytest.mark.parametrize("logical", sorted(state_machines(TEMPLATE)))
def test_every_state_machine_logs_to_a_group_with_a_retention(logical: str) -> None:
    logging = state_machines(TEMPLATE)[logical]["Logging"]
    group = logging["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]

    assert logging["Level"] in ("ALL", "ERROR", "FATAL")
    assert RESOURCES[group]["Properties"]["RetentionInDays"]


def test_the_ledger_outlives_its_stack() -> None:
    for table in of_type("AWS::DynamoDB::Table").values():
        assert (table.get("DeletionPolicy"), table.get("UpdateReplacePolicy")) == ("Retain", "Retain")


ASYNC_EVENTS = {"EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2"}
# A probe round is a sample, not an event to keep: the next round is one period away, and the probe alarm treats a
# missing round as not breaching (a dead prober is not a dead region). It also runs in witness stacks, which hold no
# queue or topic.
SAMPLES = {"ProbeFunction"}


def ref_of(value: Any) -> str:
    """The logical id a ``!GetAtt X.Arn`` or ``!Ref X`` names."""
    return value["Fn::GetAtt"][0] if "Fn::GetAtt" in value else value["Ref"]


@pytest.mark.parametrize(
    "logical",
    sorted(
        f
        for f, props in FUNCTIONS.items()
        if {e["Type"] for e in props.get("Events", {}).values()} & ASYNC_EVENTS and f not in SAMPLES
    ),
)
def test_an_asynchronously_invoked_function_loses_no_event_silently(logical: str) -> None:
    # A failed invocation (after Lambda's retries) and an event its source could not deliver both land in an
    # encrypted queue that an alarm watches and notifies.
    props = FUNCTIONS[logical]
    on_failure = props["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    dead_letters = {ref_of(e["Properties"]["DeadLetterConfig"]["Arn"]) for e in props["Events"].values()}
    queues = {ref_of(on_failure["Destination"]), *dead_letters}

    assert on_failure["Type"] == "SQS"
    for queue in queues:
        assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue"
        assert RESOURCES[queue]["Properties"].get("SqsManagedSseEnabled") or RESOURCES[queue]["Properties"].get(
            "KmsMasterKeyId"
        )
        watched = [
            alarm["Properties"]
            for alarm in of_type("AWS::CloudWatch::Alarm").values()
            if alarm["Properties"].get("Namespace") == "AWS/SQS"
            and any(
                ref_of(d["Value"]) == queue for d in alarm["Properties"]["Dimensions"] if isinstance(d["Value"], dict)
            )
        ]
        assert watched
        assert all(alarm["AlarmActions"] == [{"Ref": "NotificationsTopic"}] for alarm in watched)


def carries_task_tokens(machine: dict[str, Any]) -> bool:
    """Whether the state machine's definition hands a task token to a state (``$$.Task.Token``)."""
    return "$$.Task.Token" in (ROOT / machine["DefinitionUri"]).read_text(encoding="utf-8")


def test_no_state_machine_logs_the_data_a_task_token_travels_in() -> None:
    # Whoever can read the log group and call SendTaskSuccess could otherwise approve a failover past the ledger.
    machines = state_machines(TEMPLATE)
    carriers = [logical for logical, machine in machines.items() if carries_task_tokens(machine)]

    assert carriers  # the runbook's approval step
    for logical in carriers:
        assert machines[logical]["Logging"]["IncludeExecutionData"] is False, logical


def test_nothing_answers_without_iam_authorisation() -> None:
    # Approvals and manual starts are Lambda Invoke / StartExecution calls: SigV4, IAM-authorised.
    assert {r["Type"] for r in RESOURCES.values()} & UNAUTHENTICATED_TYPES == set()
    assert [f for f, props in FUNCTIONS.items() if "FunctionUrlConfig" in props] == []
    events = [e["Type"] for props in FUNCTIONS.values() for e in props.get("Events", {}).values()]
    assert set(events) <= {"EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2"}  # nothing callable
    for permission in of_type("AWS::Lambda::Permission").values():
        assert permission["Properties"]["Principal"] != "*"
