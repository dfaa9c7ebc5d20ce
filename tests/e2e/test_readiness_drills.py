"""Readiness end to end on the local cloud: the two readiness drills, and `evac readiness` on the local cloud and
against a (local) deployed stack, through the real template, ASL and handlers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3
import pytest
from typer.testing import CliRunner

from evacops.cli import app
from evacops.drill import run_drill
from evacops.drill.scenarios import Options
from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e


def test_a_secondary_not_ready_waits_for_a_person_who_approves_and_it_fails_over() -> None:
    report = run_drill("secondary-not-ready")

    assert (report.status, report.error, report.executions) == ("SUCCEEDED", None, 1)
    assert report.writer_region == report.dns_region == "us-west-2"
    assert report.approver == "drill@evac.local"
    [asked] = [m for m in report.notifications if "waits for approval" in m]
    assert "CRITICAL s3.model_artifact s3://fraud-scoring-models-usw2/fraud-scoring-xgb/model.tar.gz: fail" in asked
    assert "    remediation: " in asked
    assert report.expected, [c for c in report.checks if not c.ok]


def test_a_secondary_not_ready_whose_run_is_rejected_aborts_and_changes_nothing() -> None:
    report = run_drill("secondary-not-ready-rejected")

    assert report.status == "ABORTED"
    assert (report.error, report.executions) == ("SecondaryNotReadyError", 1)
    assert "s3.model_artifact s3://fraud-scoring-models-usw2/fraud-scoring-xgb/model.tar.gz: fail" in (
        report.cause or ""
    )
    assert "(not approved: ApprovalRejectedError)" in (report.cause or "")
    assert report.writer_region == report.dns_region == report.from_region == "us-east-1"
    target = next(e for e in report.endpoints if e.region == "us-west-2")
    assert (target.status, target.instances) == ("InService", 1)
    assert report.expected, [c for c in report.checks if not c.ok]


def test_a_secondary_without_capacity_for_the_planned_type_falls_back_and_fails_over() -> None:
    report = run_drill("capacity-fallback")

    assert report.status == "SUCCEEDED"
    assert report.writer_region == report.dns_region == "us-west-2"
    target = next(e for e in report.endpoints if e.region == "us-west-2")
    assert (target.status, target.instances, target.instance_type) == ("InService", 4, "ml.g4dn.2xlarge")
    assert report.capacity == [
        {
            "endpoint": "fraud-scoring-xgb",
            "instance_type": "ml.g4dn.2xlarge",
            "instances": 4,
            "fallback": True,
            "tried": ["ml.g4dn.xlarge"],
        }
    ]
    assert report.rto_seconds is not None
    assert report.critical_path_seconds is not None
    assert report.rto_seconds >= report.critical_path_seconds
    assert report.expected, [c for c in report.checks if not c.ok]


def test_evac_readiness_on_the_default_plan_is_ready_with_checks_across_services(tmp_path: Path) -> None:
    out = tmp_path / "r.json"

    result = CliRunner().invoke(app, ["readiness", "--json", str(out)])

    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["ready"] is True
    assert len(report["checks"]) >= 8
    assert len({c["name"].split(".")[0] for c in report["checks"]}) >= 5
    assert all({"name", "status", "severity", "evidence", "remediation"} <= set(c) for c in report["checks"])
    assert {c["status"] for c in report["checks"]} == {"pass"}
    # the age of the model state: the seeded target holds the newest package, artifact and image; features ~0.8 s
    assert 0 < report["ml_state_lag_seconds"] <= report["ml_state_budget_seconds"]
    assert {i["item"] for i in report["ml_state"]} == {
        "model_package",
        "model_artifact",
        "model_image",
        "feature_table",
    }


def test_evac_readiness_with_a_stack_name_invokes_that_stacks_readiness_function(tmp_path: Path) -> None:
    with LocalCloud() as cloud:
        # GIVEN the stack as CloudFormation lists it (its output names the deployed readiness function)
        function = cloud.stacks["us-west-2"].function_arns["ReadinessFunction"].rsplit(":", 1)[-1]
        boto3.client("cloudformation", "us-west-2").create_stack(
            StackName="evac-fraud-scoring",
            TemplateBody=json.dumps(
                {
                    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                    "Outputs": {"ReadinessFunctionName": {"Value": function}},
                }
            ),
        )
        ask = ["readiness", "--stack-name", "evac-fraud-scoring", "--region", "us-west-2", "--json"]

        ready = CliRunner().invoke(app, [*ask, str(tmp_path / "ready.json")])
        boto3.client("ecr", "us-west-2").batch_delete_image(
            repositoryName="fraud-scoring-xgb", imageIds=[{"imageTag": "1.7-1"}]
        )
        not_ready = CliRunner().invoke(app, [*ask, str(tmp_path / "not-ready.json")])

    assert ready.exit_code == 0, ready.output
    assert json.loads((tmp_path / "ready.json").read_text(encoding="utf-8"))["ready"] is True
    assert not_ready.exit_code == 1, not_ready.output
    report = json.loads((tmp_path / "not-ready.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in report["checks"] if c["status"] == "fail"] == ["ecr.image_present"]


def test_evac_readiness_with_a_stack_name_needs_a_region() -> None:
    result = CliRunner().invoke(app, ["readiness", "--stack-name", "evac-fraud-scoring"])

    assert result.exit_code == 2


def test_a_secondary_not_ready_nobody_answers_aborts_as_not_ready_when_the_window_closes() -> None:
    # GIVEN nobody answers the approval request (no --approve-after): the plan's approval window (an hour) closes,
    # while the dark primary's alarms may go back to ALARM (the same outage: no second incident's run may start)
    report = run_drill("secondary-not-ready", options=Options(approve_after=None))

    assert (report.status, report.error, report.executions) == ("ABORTED", "SecondaryNotReadyError", 1)
    assert "(not approved: ApprovalTimedOutError)" in (report.cause or "")
    assert report.writer_region == report.dns_region == "us-east-1"
    assert next(c for c in report.checks if c.name == "lock_released").ok


def test_a_fallback_while_traffic_follows_capacity_succeeds_with_every_weight_within_capacity() -> None:
    report = run_drill("capacity-fallback-follow-capacity")

    assert (report.status, report.dns_policy) == ("SUCCEEDED", "follow-capacity")
    assert report.writer_region == report.dns_region == "us-west-2"
    [used] = report.capacity
    assert (used["instance_type"], used["fallback"], used["tried"]) == ("ml.g4dn.2xlarge", True, ["ml.g4dn.xlarge"])
    assert all(move.share <= move.capacity for move in report.traffic)
    assert report.traffic[-1].share == 100
    assert report.expected, [c for c in report.checks if not c.ok]
