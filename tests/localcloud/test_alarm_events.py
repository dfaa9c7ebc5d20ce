"""Alarm state changes delivered as EventBridge delivers them (``evacops.localcloud.alarms``), with the deployed
template's own rules: the trigger's rule in each region and the rule forwarding alarms raised here to the peer.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

import boto3
import pytest

from evacops.localcloud import LocalCloud
from evacops.localcloud.alarms import state_change_event
from evacops.localcloud.deploy import ACCOUNT

if TYPE_CHECKING:
    from collections.abc import Iterator

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
ALARM = "fraud-scoring-inference-5xx"  # a plan alarm raised in the primary region


@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as local:
        yield local


def stop_runbooks(cloud: LocalCloud) -> None:
    """Stop what the delivered events started: these tests are about delivery, not the watch or the runbook."""
    for region in (PRIMARY, SECONDARY):
        sfn = boto3.client("stepfunctions", region)
        for execution in cloud.executions(region) + cloud.executions(region, "ConfirmWatch"):
            if execution["status"] != "RUNNING":
                continue
            # moto 5.2.5 can only stop an execution once its interpreter has started (its first history event).
            deadline = time.monotonic() + 5
            while not sfn.get_execution_history(executionArn=execution["executionArn"])["events"]:
                assert time.monotonic() < deadline, "the execution's interpreter never started"
                time.sleep(0.005)
            sfn.stop_execution(executionArn=execution["executionArn"])


def test_plan_alarm_raised_in_primary_reaches_the_peer_trigger_through_the_forwarding_rule(cloud: LocalCloud) -> None:
    try:
        event = cloud.alarms.set_state(PRIMARY, ALARM, "ALARM", reason="5xx errors above threshold")
        deliveries = list(cloud.alarms.deliveries)
        executions = {region: cloud.executions(region, "ConfirmWatch") for region in (PRIMARY, SECONDARY)}
    finally:
        stop_runbooks(cloud)

    # The alarm changed state in CloudWatch, in its own region.
    alarm = boto3.client("cloudwatch", PRIMARY).describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"
    # Each delivery is one rule matching in one region: the primary's trigger (which leaves promoting us-west-2 to
    # the stack in us-west-2), the primary's forwarding rule, then the peer's trigger, which starts its watch.
    assert [(d.rule, d.region) for d in deliveries] == [
        ("evac-TriggerFunctionAlarmStateChange", PRIMARY),
        ("evac-ForwardAlarmsToPeerRule", PRIMARY),
        ("evac-TriggerFunctionAlarmStateChange", SECONDARY),
    ]
    primary_trigger, _, peer_trigger = (d.response for d in deliveries)
    assert primary_trigger is not None
    assert primary_trigger["decision"] == "ignore"
    assert peer_trigger is not None
    assert peer_trigger["decision"] == "wait"
    assert peer_trigger["started"] is True
    # A forwarded event is the same event: it still says where the alarm was raised.
    assert all(d.event == event for d in deliveries)
    assert [e["executionArn"] for e in executions[SECONDARY]] == [peer_trigger["watch"]]
    assert executions[PRIMARY] == []


def test_a_forwarded_alarm_is_not_forwarded_back(cloud: LocalCloud) -> None:
    # The peer's forwarding rule only takes events raised in its own region, so delivery ends after one hop.
    before = len(cloud.alarms.deliveries)
    try:
        cloud.alarms.set_state(PRIMARY, ALARM, "OK")
        cloud.alarms.set_state(PRIMARY, ALARM, "ALARM")
    finally:
        stop_runbooks(cloud)

    delivered = cloud.alarms.deliveries[before:]
    assert len(delivered) == 3  # OK matches no rule; ALARM: primary trigger, forward, peer trigger
    forwards = [d.region for d in delivered if d.rule == "evac-ForwardAlarmsToPeerRule"]
    assert forwards == [PRIMARY]


def test_alarm_going_to_ok_is_delivered_to_no_rule(cloud: LocalCloud) -> None:
    cloud.alarms.set_state(PRIMARY, ALARM, "ALARM")
    stop_runbooks(cloud)
    before = len(cloud.alarms.deliveries)

    cloud.alarms.set_state(PRIMARY, ALARM, "OK")

    assert cloud.alarms.deliveries[before:] == []


def test_alarm_state_change_event_has_the_eventbridge_envelope() -> None:
    event = state_change_event(
        PRIMARY, ALARM, "ALARM", "OK", "Threshold Crossed: 1 datapoint [3.0] >= 1.0", "2026-11-27T10:07:00Z"
    )

    assert event["version"] == "0"
    assert event["id"]
    assert event["id"] != state_change_event(PRIMARY, ALARM, "ALARM", "OK", "", "2026-11-27T10:07:00Z")["id"]
    assert event["detail-type"] == "CloudWatch Alarm State Change"
    assert event["source"] == "aws.cloudwatch"
    assert event["account"] == ACCOUNT
    assert datetime.fromisoformat(event["time"]).isoformat() == "2026-11-27T10:07:00+00:00"
    assert event["region"] == PRIMARY
    assert event["resources"] == [f"arn:aws:cloudwatch:{PRIMARY}:{ACCOUNT}:alarm:{ALARM}"]
    assert event["detail"]["alarmName"] == ALARM
    assert event["detail"]["state"]["value"] == "ALARM"
    assert event["detail"]["state"]["reason"].startswith("Threshold Crossed")
    assert event["detail"]["previousState"]["value"] == "OK"
