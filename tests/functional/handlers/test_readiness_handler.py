"""The readiness function on moto: the seeded application is ready; what is missing, wrong or unreadable is named;
the SecondaryReady metric says so; the preflight step blocks the automatic path on a critical finding."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import yaml

from evac import clock
from evac.domain.plan import DEFAULT_PLAN
from evac.errors import PlanError
from evac.handlers import preflight
from evac.handlers import readiness as readiness_step
from evacops.localcloud.seed import publish_table_latency
from tests.functional.emf import emitted_metrics

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.functional.conftest import Cloud

    ReadEvent = Callable[[str], dict[str, Any]]

IMAGE_TAG = "1.7-1"


def checks(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in report["checks"] if c["name"] == name]


@pytest.fixture(autouse=True)
def drains_evaluated(cloud: Cloud) -> None:
    """The drain alarms as CloudWatch evaluates them with Drain at 0: OK (moto leaves every alarm INSUFFICIENT_DATA)."""
    for drain in (cloud.plan.dns.health_check_switch or {}).values():
        boto3.client("cloudwatch", drain.alarm_region).set_alarm_state(
            AlarmName=drain.alarm, StateValue="OK", StateReason="Drain 0"
        )


def test_the_seeded_secondary_is_ready(cloud: Cloud, read_event: ReadEvent) -> None:
    report = cloud.invoke(readiness_step, read_event("readiness-us-west-2.json"))

    assert report["ready"] is True
    assert (report["source_region"], report["target_region"]) == ("us-east-1", "us-west-2")
    assert [c for c in report["checks"] if c["status"] != "pass"] == []
    assert len(report["checks"]) >= 8
    assert len({c["name"].split(".")[0] for c in report["checks"]}) >= 5


def test_without_a_target_readiness_assesses_the_peer_of_the_writer(cloud: Cloud) -> None:
    report = cloud.invoke(readiness_step, {})

    assert report["target_region"] == "us-west-2"


def test_readiness_publishes_secondary_ready_for_the_application(
    cloud: Cloud, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()

    cloud.invoke(readiness_step, {})

    metrics = emitted_metrics(capsys.readouterr().out)
    assert (metrics["SecondaryReady"], metrics["ReadinessCriticalFindings"], metrics["ReadinessWarnings"]) == (1, 0, 0)
    assert (metrics["MlStateLagSeconds"], metrics["MlStateLagToBudget"]) == (0.8, 0.8 / 3600)
    assert metrics["dimensions"] == {"service": "evac", "application": "fraud-scoring"}


def test_an_image_missing_in_the_target_makes_it_not_ready_and_is_counted(
    cloud: Cloud, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    boto3.client("ecr", "us-west-2").batch_delete_image(
        repositoryName="fraud-scoring-xgb", imageIds=[{"imageTag": IMAGE_TAG}]
    )
    capsys.readouterr()

    report = cloud.invoke(readiness_step, {})

    [image] = checks(report, "ecr.image_present")
    assert (image["status"], image["severity"]) == ("fail", "critical")
    assert "does not exist in us-west-2" in image["evidence"]
    assert report["ready"] is False
    assert emitted_metrics(capsys.readouterr().out)["SecondaryReady"] == 0


def test_a_plan_naming_resources_that_do_not_exist_gets_failed_checks_naming_them(
    cloud: Cloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a plan naming a bucket, a table and a repository nobody created
    document = yaml.safe_load(DEFAULT_PLAN.read_text(encoding="utf-8"))
    document["readiness"]["buckets"].append(
        {"purpose": "other", "names": {"us-east-1": "fraud-scoring-nope-use1", "us-west-2": "fraud-scoring-nope-usw2"}}
    )
    document["readiness"]["feature_store_tables"].append("fraud-scoring-nope")
    document["readiness"]["ecr_repositories"].append("fraud-scoring-nope")
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("EVAC_PLAN", str(plan))

    report = cloud.invoke(readiness_step, {})

    failed = {(c["name"], c["evidence"]) for c in report["checks"] if c["status"] == "fail"}
    assert ("s3.versioning", "bucket fraud-scoring-nope-usw2 does not exist (us-west-2)") in failed
    assert ("s3.replication", "bucket fraud-scoring-nope-use1 does not exist (us-east-1)") in failed
    assert ("dynamodb.replica", "table fraud-scoring-nope does not exist in us-west-2") in failed
    assert ("ecr.replication", "repository fraud-scoring-nope does not exist in us-west-2") in failed
    assert report["ready"] is False


def test_a_target_region_outside_the_plan_is_a_plan_error_naming_it(cloud: Cloud) -> None:
    with pytest.raises(PlanError, match=r"region 'eu-west-1' is not in the plan"):
        cloud.invoke(readiness_step, {"target_region": "eu-west-1"})


def test_a_drained_target_is_a_health_check_status_finding_read_from_its_alarm(cloud: Cloud) -> None:
    # GIVEN us-west-2's record set drained: its drain alarm (living in us-east-1) in ALARM
    boto3.client("cloudwatch", "us-east-1").set_alarm_state(
        AlarmName="fraud-scoring-drain-usw2", StateValue="ALARM", StateReason="Drain 1"
    )

    report = cloud.invoke(readiness_step, {"target_region": "us-west-2"})

    [status] = checks(report, "route53.health_check_status")
    assert (status["status"], status["severity"]) == ("fail", "warning")
    assert "alarm fraud-scoring-drain-usw2 in us-east-1 is ALARM" in status["evidence"]
    assert report["ready"] is True  # a warning: the switch undrains the target while us-east-1 answers


def test_a_missing_drain_alarm_in_the_target_means_the_switch_cannot_drain_the_source(cloud: Cloud) -> None:
    boto3.client("cloudwatch", "us-west-2").delete_alarms(AlarmNames=["fraud-scoring-drain-use1"])

    report = cloud.invoke(readiness_step, {"target_region": "us-west-2"})

    [status] = checks(report, "route53.health_check_status")
    assert status["status"] == "fail"
    assert "cannot drain us-east-1: alarm fraud-scoring-drain-use1 does not exist in us-west-2" in status["evidence"]


def test_a_feature_table_lagging_past_the_budget_is_a_warning_with_its_lag(cloud: Cloud) -> None:
    # GIVEN the feature table's replication to us-west-2 running 75 minutes behind (budget: an hour)
    publish_table_latency(cloud.plan, "fraud-scoring-features", 75 * 60 * 1000, clock.now() - timedelta(minutes=5))

    report = cloud.invoke(readiness_step, {})

    [lag] = checks(report, "ml.state_lag")
    assert (lag["status"], lag["severity"]) == ("fail", "warning")
    assert "feature_table fraud-scoring-features 4500 s" in lag["evidence"]
    assert report["ml_state_lag_seconds"] == 4500.0
    assert report["ready"] is True


# --- preflight --------------------------------------------------------------------------------------------------------
def delete_model_artifact() -> None:
    boto3.client("s3", "us-west-2").delete_object(
        Bucket="fraud-scoring-models-usw2", Key="fraud-scoring-xgb/model.tar.gz"
    )


def test_preflight_records_readiness_on_the_seeded_target(cloud: Cloud, unplanned_run: dict[str, Any]) -> None:
    result = cloud.invoke(preflight, {"run": unplanned_run})

    assert result["readiness"]["ready"] is True
    assert result["warnings"] == []


def test_preflight_asks_a_person_for_an_unplanned_run_whose_model_artifact_never_replicated(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    delete_model_artifact()

    result = cloud.invoke(preflight, {"run": unplanned_run})

    assert re.search(r"s3\.model_artifact s3://fraud-scoring-models-usw2/\S+: fail", result["not_ready"])


def test_preflight_records_the_same_finding_on_a_planned_run(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    delete_model_artifact()

    result = cloud.invoke(preflight, {"run": planned_run})

    assert [w.split(" ")[1] for w in result["warnings"]] == ["s3.model_artifact"]
