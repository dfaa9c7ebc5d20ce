"""Whole drills on the local cloud: the real template, ASL and handlers; outcomes, not call counts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.sns.models import sns_backends

from evac.aws.dynamodb import Ledger
from evac.aws.warmup import is_warm_up
from evacops.drill import run_drill
from evacops.drill.scenarios import fire
from evacops.localcloud import LocalCloud
from evacops.localcloud.deploy import ACCOUNT

if TYPE_CHECKING:
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e


def test_primary_outage_fails_over_to_the_secondary_through_the_trigger(drilled: dict[str, Drilled]) -> None:
    report = drilled["primary-outage"].report

    assert report.status == "SUCCEEDED"
    assert report.executions == 1
    assert report.strategy == "failover"
    assert report.writer_region == report.dns_region == report.to_region == "us-west-2"
    target = next(e for e in report.endpoints if e.region == report.to_region)
    assert (target.status, target.instances) == ("InService", 4)
    assert report.rto_seconds is not None
    assert report.rto_seconds >= report.critical_path_seconds
    assert report.overhead_ratio is not None
    assert [p.name for p in report.phases] == ["detect", "prepare", "database", "inference", "dns", "verify"]
    assert report.expected, [c for c in report.checks if not c.ok]


def test_planned_switchover_loses_no_data(drilled: dict[str, Drilled]) -> None:
    report = drilled["planned-switchover"].report

    assert report.status == "SUCCEEDED"
    assert report.strategy == "switchover"
    assert report.rpo_seconds == 0
    assert report.writer_region == report.dns_region == "us-west-2"
    assert report.expected, [c for c in report.checks if not c.ok]


def test_arc_region_switch_moves_writer_traffic_and_capacity_and_evac_records_it(
    drilled: dict[str, Drilled],
) -> None:
    report = drilled["arc-switchover"].report

    assert (report.status, report.executions, report.strategy) == ("SUCCEEDED", 0, "switchover")
    assert report.writer_region == report.dns_region == "us-west-2"
    target = next(e for e in report.endpoints if e.region == "us-west-2")
    assert (target.status, target.instances) == ("InService", 4)
    assert report.outcome == "SUCCEEDED"
    assert report.incident_id is not None
    assert report.incident_id.startswith("arc-")
    assert report.rpo_seconds == 0
    assert report.rto_seconds is not None
    assert report.rto_seconds >= report.critical_path_seconds
    assert report.expected, [c for c in report.checks if not c.ok]


def test_dns_moves_only_after_database_and_inference_are_ready() -> None:
    # GIVEN a primary outage played on the local cloud
    with LocalCloud() as cloud:
        fire(cloud, "us-east-1")
        cloud.quiesce()
        invocations = [i for i in cloud.runtime.invocations if not is_warm_up(i.event)]  # the run's own

    # THEN the DNS shift started after the last database and inference polls that saw them done
    def last_done(function: str) -> float:
        return max(i.ended for i in invocations if i.function.endswith(function) and i.result and i.result["done"])

    shift = next(i for i in invocations if i.function.endswith("ShiftDnsFunction"))
    assert shift.started >= last_done("CheckDatabaseFunction")
    assert shift.started >= last_done("CheckEndpointFunction")


@pytest.mark.parametrize(
    ("alarm", "state"),
    [("some-other-team-alarm", "ALARM"), ("fraud-scoring-inference-5xx", "OK")],
    ids=["alarm-not-in-plan", "transition-to-ok"],
)
def test_alarm_events_the_plan_does_not_ask_for_start_nothing(alarm: str, state: str) -> None:
    with LocalCloud() as cloud:
        boto3.client("cloudwatch", "us-east-1").put_metric_alarm(
            AlarmName="some-other-team-alarm",
            MetricName="Errors",
            Namespace="X",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
        cloud.alarms.set_state("us-east-1", alarm, state)
        cloud.quiesce()

        assert cloud.executions("us-west-2") == []
        assert cloud.writer_region() == "us-east-1"
        assert cloud.dns_region() == "us-east-1"


def test_a_drill_input_with_an_unknown_mode_fails_at_planning_and_changes_nothing() -> None:
    with LocalCloud() as cloud:
        stack = cloud.stacks["us-west-2"]
        started = boto3.client("stepfunctions", "us-west-2").start_execution(
            stateMachineArn=stack.runbook_arn,
            name="bad-mode",
            input=json.dumps({"incident_id": "bad-mode", "mode": "sideways"}),
        )

        described = cloud.wait_for_execution(started["executionArn"])

        assert described["status"] == "FAILED"
        assert described["error"] == "InvalidInputError"
        assert "mode" in described["cause"]
        assert cloud.writer_region() == "us-east-1"
        assert cloud.dns_region() == "us-east-1"
        record = Ledger(stack.table, "us-west-2").get("bad-mode")
        assert record is not None
        assert record["outcome"] == "FAILED"


def test_a_failed_preflight_records_notifies_releases_the_lock_and_leaves_dns_alone() -> None:
    # GIVEN the secondary's endpoint is gone
    with LocalCloud() as cloud:
        boto3.client("sagemaker", "us-west-2").delete_endpoint(EndpointName="fraud-scoring-xgb")
        stack = cloud.stacks["us-west-2"]

        # WHEN the primary fails
        fire(cloud, "us-east-1")
        cloud.quiesce()
        execution = cloud.executions("us-west-2")[0]
        described = cloud.wait_for_execution(execution["executionArn"])

        # THEN the run fails with a named error before touching anything
        assert described["status"] == "FAILED"
        assert described["error"] == "PreflightFailedError"
        assert "fraud-scoring-xgb" in described["cause"]
        assert cloud.writer_region() == "us-east-1"
        assert cloud.dns_region() == "us-east-1"
        ledger = Ledger(stack.table, "us-west-2")
        record = ledger.get(execution["name"])
        assert record is not None
        assert (record["outcome"], record["error"]) == ("FAILED", "PreflightFailedError")
        assert ledger.lock_holder(cloud.plan.application) is None
        topic = sns_backends[ACCOUNT]["us-west-2"].topics[stack.topic_arn]
        assert any("PreflightFailedError" in message for _, message, *_ in topic.sent_notifications)


@pytest.mark.parametrize(
    ("scenario", "status", "executions", "writer", "notice"),
    [
        ("alarm-storm", "SUCCEEDED", 1, "us-west-2", None),
        ("flapping-alarm", "SKIPPED", 0, "us-east-1", None),
        ("secondary-also-alarming", "SKIPPED", 0, "us-east-1", "the target us-west-2 is alarming too"),
        ("cooldown", "SUCCEEDED", 1, "us-west-2", "cooldown: the last failover was"),
    ],
)
def test_trigger_scenarios_end_as_the_policy_says(
    scenario: str, status: str, executions: int, writer: str, notice: str | None
) -> None:
    # Flapping is about modelled time: an alarm's delivery is half a second, far shorter than a sustain window.
    report = run_drill(scenario)

    assert (report.status, report.executions) == (status, executions)
    assert report.writer_region == report.dns_region == writer
    if notice:
        assert any(notice in message for message in report.notifications)
    assert report.expected, [c for c in report.checks if not c.ok]
