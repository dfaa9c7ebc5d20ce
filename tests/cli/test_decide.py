"""`evac decide`: the policy's answer for an alarm event, with no side effect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evacops.cli import app

EVENTS = Path(__file__).resolve().parents[2] / "events"
runner = CliRunner()


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
