"""The local history keeps the newest N runs of each application (--keep N, else .evac/settings.json, else 200), and
`evac history --export PATH` writes them as JSON lines the journal reader takes back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from evacops.cli import app
from evacops.history import DEFAULT_KEEP, LOCAL, HistorySettingError, keep_setting, local_runs, remember
from evacops.journal import RunLine, read

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()
START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def run(n: int, application: str = "fraud-scoring") -> dict:
    """A run record as the runbook writes it, the nth recorded (a minute apart)."""
    return {
        "incident_id": f"{application}-drill-{n:03d}",
        "application": application,
        "outcome": "SUCCEEDED",
        "recorded_at": (START + timedelta(minutes=n)).isoformat(),
        "rto_seconds": 480.0 + n,
    }


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory of its own: .evac/ is created there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("here")
def test_writing_n_plus_k_runs_keeps_the_newest_n() -> None:
    for n in range(7):  # one drill at a time, as `evac drill` writes them
        remember([run(n)], keep=5)

    kept = [r["incident_id"] for r in local_runs()]

    assert kept == [f"fraud-scoring-drill-{n:03d}" for n in (6, 5, 4, 3, 2)]  # 0 and 1, the oldest, dropped


@pytest.mark.usefixtures("here")
def test_each_application_keeps_its_own_n() -> None:
    remember([run(n) for n in range(4)] + [run(n, "churn") for n in range(2)], keep=3)

    kept = local_runs()

    assert sorted(r["incident_id"] for r in kept if r["application"] == "fraud-scoring") == [
        "fraud-scoring-drill-001",
        "fraud-scoring-drill-002",
        "fraud-scoring-drill-003",
    ]
    assert len([r for r in kept if r["application"] == "churn"]) == 2


@pytest.mark.usefixtures("here")
def test_runs_written_out_of_order_still_drop_the_oldest_recorded() -> None:
    remember([run(5), run(1), run(9)], keep=2)

    assert [r["incident_id"] for r in local_runs()] == ["fraud-scoring-drill-009", "fraud-scoring-drill-005"]


def test_a_line_that_cannot_be_read_is_never_dropped(here: Path) -> None:
    LOCAL.parent.mkdir()
    LOCAL.write_text("{not json\n", encoding="utf-8")

    remember([run(n) for n in range(3)], keep=1)

    lines = LOCAL.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "{not json"
    assert len(lines) == 2


def test_the_default_is_the_setting_in_dot_evac_else_200(here: Path) -> None:
    assert keep_setting() == DEFAULT_KEEP == 200
    (here / ".evac").mkdir()
    (here / ".evac" / "settings.json").write_text(json.dumps({"history": {"keep": 2}}), encoding="utf-8")

    remember([run(n) for n in range(4)])

    assert keep_setting() == 2
    assert len(local_runs()) == 2


@pytest.mark.parametrize("setting", ['{"history": {"keep": 0}}', '{"history": {"keep": "ten"}}', "{nope"])
def test_a_bad_setting_is_an_error_naming_it_and_keeps_everything(here: Path, setting: str) -> None:
    (here / ".evac").mkdir()
    (here / ".evac" / "settings.json").write_text(setting, encoding="utf-8")

    with pytest.raises(HistorySettingError, match=r"settings\.json"):
        remember([run(1)])

    assert local_runs() == []


@pytest.mark.usefixtures("here")
def test_the_export_is_json_lines_the_journal_reader_takes_back(tmp_path: Path) -> None:
    remember([run(n) for n in range(4)], keep=3)
    exported = tmp_path / "runs.jsonl"

    result = runner.invoke(app, ["history", "--export", str(exported)])

    assert result.exit_code == 0, result.output
    lines = exported.read_text(encoding="utf-8").splitlines()
    back = [read(line) for line in lines]
    assert all(isinstance(r, RunLine) for r in back)
    assert [r.incident_id for r in back if isinstance(r, RunLine)] == [
        f"fraud-scoring-drill-{n:03d}" for n in (1, 2, 3)
    ]
    assert json.loads(lines[0])["rto_seconds"] == 481.0  # the whole record, not a summary


@pytest.mark.usefixtures("here")
def test_exporting_to_a_place_that_cannot_be_written_exits_non_zero(tmp_path: Path) -> None:
    remember([run(1)], keep=3)

    result = runner.invoke(app, ["history", "--export", str(tmp_path / "no-such-dir" / "runs.jsonl")])

    assert result.exit_code == 2


def test_help_says_how_many_runs_are_kept_and_where_to_change_it() -> None:
    drill_help = runner.invoke(app, ["drill", "--help"], terminal_width=200).output
    history_help = runner.invoke(app, ["history", "--help"], terminal_width=200).output

    assert "--keep" in drill_help
    assert "200" in history_help
    assert "settings.json" in history_help


@pytest.mark.usefixtures("here")
def test_a_drill_keeps_the_newest_n_runs_with_keep() -> None:
    remember([run(n) for n in range(3)], keep=10)

    result = runner.invoke(app, ["drill", "-s", "dry-run", "-q", "--keep", "2", "--report-dir", "reports"])

    assert result.exit_code == 0, result.output
    kept = local_runs()
    assert len(kept) == 2
    assert kept[0]["incident_id"] == "dry-run-to-us-west-2"  # the drill's run, the newest
    assert kept[1]["incident_id"] == "fraud-scoring-drill-002"


def test_keep_below_one_is_refused_before_the_drill_runs() -> None:
    assert runner.invoke(app, ["drill", "--keep", "0"]).exit_code == 2
