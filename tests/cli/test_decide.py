"""`evac decide`: the policy's answer for an alarm event, with no side effect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from moto import mock_aws
from typer.testing import CliRunner

from evac.domain.plan import DEFAULT_PLAN
from evacops.cli import app

if TYPE_CHECKING:
    from collections.abc import Iterator

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_ACCOUNT = "123456789012"  # the account of every sample event in events/ (and moto's)
OTHER_ACCOUNT = "210987654321"
runner = CliRunner()


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials anywhere (environment, files, instance metadata): STS cannot say whose they are."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Credentials of the sample events' account, STS answering (moto)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def answer_to(*args: str) -> dict:
    result = runner.invoke(app, ["decide", *args, "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@pytest.mark.parametrize("event", sorted(EVENTS.glob("alarm-*.json")), ids=lambda p: p.name)
def test_every_alarm_sample_gets_a_decision_and_a_reason(event: Path) -> None:
    result = runner.invoke(app, ["decide", "--event", str(event), "--json"])

    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["decision"] in ("start", "wait", "ignore", "reject")
    assert answer["reason"]


def test_a_quorum_of_alarms_names_the_runbook_execution_it_would_start() -> None:
    result = runner.invoke(
        app,
        [
            "decide",
            "-e",
            str(EVENTS / "alarm-inference-5xx.json"),
            "--alarming",
            "fraud-scoring-health-check",
            "--json",
        ],
    )

    answer = json.loads(result.output)
    assert answer["decision"] == "start"
    assert answer["execution"] == "fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z"
    assert answer["stack_region"] == "us-west-2"


def test_a_single_alarm_waits_for_the_quorum() -> None:
    answer = json.loads(runner.invoke(app, ["decide", "-e", str(EVENTS / "alarm-health-check.json"), "--json"]).output)

    assert (answer["decision"], answer["execution"]) == ("wait", None)
    assert "quorum not met: 1 of 2" in answer["reason"]


def test_a_malformed_event_is_rejected_naming_the_field(tmp_path: Path) -> None:
    event = json.loads((EVENTS / "alarm-inference-5xx.json").read_text(encoding="utf-8"))
    del event["detail"]["state"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(event), encoding="utf-8")

    answer = json.loads(runner.invoke(app, ["decide", "-e", str(path), "--json"]).output)

    assert answer["decision"] == "reject"
    assert "detail.state: Field required" in answer["reason"]


def test_an_unreadable_event_file_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "not.json"
    path.write_text("{not json", encoding="utf-8")

    assert runner.invoke(app, ["decide", "-e", str(path)]).exit_code == 2


def test_assuming_an_alarm_the_plan_does_not_name_exits_non_zero() -> None:
    result = runner.invoke(app, ["decide", "-e", str(EVENTS / "alarm-health-check.json"), "-a", "nope"])

    assert result.exit_code == 2


# --- the account screened as (--account, else the credentials', else the plan's) -------------------------------------
QUORUM = ("-e", str(EVENTS / "alarm-inference-5xx.json"), "--alarming", "fraud-scoring-health-check")


def test_an_event_from_another_account_is_ignored_as_the_trigger_ignores_it() -> None:
    answer = answer_to(*QUORUM, "--account", OTHER_ACCOUNT)

    assert answer["decision"] == "ignore"
    assert answer["reason"] == (
        f"alarm 'fraud-scoring-inference-5xx' belongs to account {SAMPLE_ACCOUNT}, not {OTHER_ACCOUNT}"
    )
    assert answer["execution"] is None


def test_an_event_from_the_stacks_own_account_is_decided_as_before() -> None:
    answer = answer_to(*QUORUM, "--account", SAMPLE_ACCOUNT)

    assert (answer["decision"], answer["account"], answer["account_source"]) == ("start", SAMPLE_ACCOUNT, "option")


@pytest.mark.usefixtures("credentials")
def test_without_the_option_the_credentials_account_is_screened_as() -> None:
    assert answer_to(*QUORUM)["account"] == SAMPLE_ACCOUNT
    assert answer_to(*QUORUM)["account_source"] == "credentials"


def test_without_credentials_the_plans_account_is_screened_as(tmp_path: Path) -> None:
    plan = yaml.safe_load(DEFAULT_PLAN.read_text(encoding="utf-8")) | {"account": OTHER_ACCOUNT}
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan), encoding="utf-8")

    answer = answer_to(*QUORUM, "--plan", str(path))

    assert (answer["decision"], answer["account"], answer["account_source"]) == ("ignore", OTHER_ACCOUNT, "plan")


@pytest.mark.parametrize("event", sorted(EVENTS.glob("alarm-*.json")), ids=lambda p: p.name)
def test_with_no_account_known_every_sample_is_decided_as_today(event: Path) -> None:
    answer = answer_to("-e", str(event))

    assert answer["account"] is None
    assert answer["decision"] != "ignore" or "belongs to account" not in answer["reason"]


@pytest.mark.parametrize("event", sorted(EVENTS.glob("alarm-*.json")), ids=lambda p: p.name)
def test_every_sample_event_from_another_account_is_ignored(event: Path) -> None:
    answer = answer_to("-e", str(event), "--account", OTHER_ACCOUNT)

    assert answer["decision"] in ("ignore", "reject")  # reject: not a plan alarm's state change at all
    if answer["decision"] == "ignore" and "not in the" not in answer["reason"]:
        assert "belongs to account" in answer["reason"]


def test_an_account_that_is_not_twelve_digits_exits_non_zero() -> None:
    result = runner.invoke(app, ["decide", *QUORUM, "--account", "12345"])

    assert result.exit_code == 2
