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
from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e


def test_a_secondary_whose_model_artifact_never_replicated_blocks_the_automatic_failover() -> None:
    report = run_drill("secondary-not-ready")

    assert report.status == "ABORTED"
    assert (report.error, report.executions) == ("SecondaryNotReadyError", 1)
    assert "s3.model_artifact s3://fraud-scoring-models-usw2/fraud-scoring-xgb/model.tar.gz: fail" in (
        report.cause or ""
    )
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
