"""Every sample event in events/ is valid input for what it samples (they are also used with sam remote invoke)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evac.alarm_events import parse_alarm_event
from evac.domain.models import ReadinessInput, RunbookInput
from evac.handlers.approve import ApprovalAnswer

EVENTS = Path(__file__).resolve().parents[2] / "events"
ALARMS = sorted(EVENTS.glob("alarm-*.json"))
DRILLS = sorted(
    [*EVENTS.glob("drill-*.json"), *(EVENTS / n for n in ("game-day.json", "dry-run.json", "failback.json"))]
)
ANSWERS = sorted(EVENTS / n for n in ("approve.json", "reject.json"))
READINESS = sorted(EVENTS.glob("readiness-*.json"))


def test_every_sample_event_is_an_alarm_a_runbook_input_an_approval_or_a_readiness_request() -> None:
    assert sorted(EVENTS.glob("*.json")) == sorted(ALARMS + DRILLS + ANSWERS + READINESS)
    assert ALARMS
    assert DRILLS
    assert READINESS


@pytest.mark.parametrize("path", ALARMS, ids=lambda p: p.name)
def test_sample_alarm_events_parse_as_alarm_state_changes(path: Path) -> None:
    signal = parse_alarm_event(json.loads(path.read_text(encoding="utf-8")))

    assert signal.state == "ALARM"
    assert signal.region == "us-east-1"


@pytest.mark.parametrize("path", DRILLS, ids=lambda p: p.name)
def test_sample_drill_inputs_parse_as_runbook_inputs(path: Path) -> None:
    RunbookInput.model_validate(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", ANSWERS, ids=lambda p: p.name)
def test_sample_approval_answers_parse_as_the_approval_functions_input(path: Path) -> None:
    ApprovalAnswer.model_validate(json.loads(path.read_text(encoding="utf-8")))


def test_the_game_day_input_asks_for_approval_and_the_dry_run_changes_nothing() -> None:
    def read(name: str) -> RunbookInput:
        return RunbookInput.model_validate_json((EVENTS / name).read_text(encoding="utf-8"))

    assert (read("game-day.json").mode, read("game-day.json").approval) == ("planned", "required")
    assert read("dry-run.json").mode == "dry-run"


@pytest.mark.parametrize("path", READINESS, ids=lambda p: p.name)
def test_sample_readiness_requests_parse_as_readiness_inputs(path: Path) -> None:
    ReadinessInput.model_validate(json.loads(path.read_text(encoding="utf-8")))
