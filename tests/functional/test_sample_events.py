"""Every sample event in events/ is valid input for what it samples (they are also used with sam remote invoke)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evac.alarm_events import parse_alarm_event
from evac.domain.models import RunbookInput

EVENTS = Path(__file__).resolve().parents[2] / "events"
ALARMS = sorted(EVENTS.glob("alarm-*.json"))
DRILLS = sorted(EVENTS.glob("drill-*.json"))


def test_every_sample_event_is_an_alarm_or_a_drill() -> None:
    assert sorted(EVENTS.glob("*.json")) == sorted(ALARMS + DRILLS)
    assert ALARMS
    assert DRILLS


@pytest.mark.parametrize("path", ALARMS, ids=lambda p: p.name)
def test_sample_alarm_events_parse_as_alarm_state_changes(path: Path) -> None:
    signal = parse_alarm_event(json.loads(path.read_text(encoding="utf-8")))

    assert signal.state == "ALARM"
    assert signal.region == "us-east-1"


@pytest.mark.parametrize("path", DRILLS, ids=lambda p: p.name)
def test_sample_drill_inputs_parse_as_runbook_inputs(path: Path) -> None:
    RunbookInput.model_validate(json.loads(path.read_text(encoding="utf-8")))
