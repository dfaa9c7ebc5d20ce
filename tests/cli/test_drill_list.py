"""`evac drill --list`: the scenario catalogue, read from the registry (``SCENARIOS``), for people and as JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from evacops.cli import app
from evacops.cli.common import console
from evacops.drill import scenarios

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal wide enough that no table cell wraps mid-phrase."""
    monkeypatch.setattr(console, "width", 240)


def listed(*args: str) -> list[dict]:
    result = runner.invoke(app, ["drill", "--list", "--json", "-", *args])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.output))


def test_the_json_list_names_every_registered_scenario_in_order() -> None:
    assert [e["name"] for e in listed()] == list(scenarios.SCENARIOS)


def test_each_entry_says_what_it_rehearses_its_expected_outcome_and_its_checks() -> None:
    entries = {e["name"]: e for e in listed()}

    shortfall = entries["capacity-shortfall"]
    assert (shortfall["outcome"], shortfall["error"], shortfall["runbooks"]) == (
        "failed",
        "ManualCompletionRequiredError",
        1,
    )
    assert {"status", "dns_region", "run_record", "lock_released", "error"} <= set(shortfall["checks"])
    assert "no capacity" in shortfall["rehearses"]
    assert "first_share" in entries["traffic-follows-capacity"]["checks"]
    assert entries["traffic-follows-capacity"]["dns_shift"] == "follow-capacity"
    assert "fallback:fraud-scoring-xgb" in entries["capacity-fallback"]["checks"]
    assert "approval" in entries["game-day"]["checks"]
    assert any("bounded timeout" in c for c in entries["region-blackout"]["checks"])  # its own check, described


def test_a_scenario_registered_elsewhere_is_listed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN another module registers a scenario in the registry
    added = replace(scenarios.SCENARIOS["primary-outage"], name="late-arrival", summary="Registered by a test.")
    monkeypatch.setitem(scenarios.SCENARIOS, "late-arrival", added)

    assert listed()[-1] | {"checks": []} == {
        "name": "late-arrival",
        "rehearses": "Registered by a test.",
        "outcome": "failover",
        "runbooks": 1,
        "error": None,
        "notice": None,
        "dns_shift": None,
        "checks": [],
    }
    table = runner.invoke(app, ["drill", "--list"])
    assert "late-arrival" in table.output


def test_the_table_shows_every_scenario_with_its_expected_outcome() -> None:
    result = runner.invoke(app, ["drill", "--list"])

    assert result.exit_code == 0, result.output
    for name in scenarios.SCENARIOS:
        assert name in result.output
    assert "failed (1 runbook, ManualCompletionRequiredError)" in result.output
    assert "what it rehearses" in result.output


def test_the_json_list_can_be_written_to_a_file(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"

    result = runner.invoke(app, ["drill", "--list", "--json", str(path)])

    assert result.exit_code == 0, result.output
    assert [e["name"] for e in json.loads(path.read_text(encoding="utf-8"))] == list(scenarios.SCENARIOS)


def test_help_points_to_the_list_instead_of_listing_every_scenario() -> None:
    result = runner.invoke(app, ["drill", "--help"], terminal_width=200)

    assert "--list" in result.output
    summaries = [s.summary[:40] for s in scenarios.SCENARIOS.values()]
    assert not [s for s in summaries if s in result.output]


def test_stdout_is_no_place_for_a_drill_report() -> None:
    assert runner.invoke(app, ["drill", "--json", "-"]).exit_code == 2
