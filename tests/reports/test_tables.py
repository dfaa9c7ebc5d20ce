"""`evac tables`: the measured tables generated from a result's JSON, printed or put between markers in a file."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from evacops.chaos import Matrix, Result
from evacops.cli import app
from tests.journal.test_journal import BENCH, DRILL

if TYPE_CHECKING:
    from pathlib import Path

runner = CliRunner()


def _chaos(kind: str, status: str, violations: int = 0, outcome: str = "clean") -> Result:
    return Result(
        id=f"{kind}/{status}", scenario="primary-outage", site="x", caller="c", action="a", kind=kind,
        point="first", expected=status, status=status, error=None, cause=None, injected=1, writer_regions=[],
        dns_region=None, rto_seconds=None, wall_seconds=1.0, violations=["v"] * violations,
        outcome="violated" if violations else outcome,
    )  # fmt: skip


def _written(tmp_path: Path, name: str, document: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_bench_tables_are_the_runs_over_their_seeds_and_the_goals(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tables", str(_written(tmp_path, "bench.json", BENCH.model_dump(mode="json")))])

    assert result.exit_code == 0
    assert result.output == (
        "| endpoints | scenario | DNS shift | seeds (as expected) | RTO p50 | RTO p95 | overhead p50 | overhead p95 "
        "| RTO(N)/RTO(1) p50 | RPO observed p50 | RPO observed p95 | history events (max) | cold-start share p50 "
        "| wall p50 (s) |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| 1 | primary-outage | scale-then-shift | 1 (1) | 500.7 | 500.7 | 1.043 | 1.043 | 1.000 | 0.80 | 0.80 | 0 "
        "| - | 12.1 |\n"
        "\n"
        "| goal | target | measured | |\n"
        "|---|---:|---:|---|\n"
        "| scale-then-shift: overhead ratio p95 at 1 endpoint(s) | <= 1.03 | 1.043 | not met |\n"
    )


def test_the_drill_tables_are_its_summary_and_phases(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tables", str(_written(tmp_path, "r.json", DRILL.model_dump(mode="json")))])

    assert result.exit_code == 0
    assert "| Status | SUCCEEDED |\n" in result.output
    assert "| phase | start (s) | end (s) | seconds |\n|---|---:|---:|---:|\n| detect | 0.0 | 62.0 | 62.0 |\n" in (
        result.output
    )


def test_the_chaos_tables_are_the_totals_by_fault_and_outcome(tmp_path: Path) -> None:
    results = [
        _chaos("throttling", "SUCCEEDED"),
        _chaos("access-denied", "FAILED", outcome="escalated"),
        _chaos("access-denied", "ABORTED", violations=1),
    ]
    document = Matrix(results=results, sites=[], wall_seconds=1.0).to_json()

    result = runner.invoke(app, ["tables", str(_written(tmp_path, "chaos.json", document))])

    assert result.exit_code == 0
    assert result.output == (
        "| fault | scenarios | SUCCEEDED | FAILED | ABORTED | SKIPPED | clean | escalated | violated | violations |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        "| throttling | 1 | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 |\n"
        "| access-denied | 2 | 0 | 1 | 1 | 0 | 0 | 1 | 1 | 1 |\n"
        "| all | 3 | 1 | 1 | 1 | 0 | 1 | 1 | 1 | 1 |\n"
    )
    assert Matrix(results=results, sites=[], wall_seconds=1.0).totals()["access-denied"]["violations"] == 1
    assert asdict(results[0])["kind"] == "throttling"


def test_into_replaces_only_the_text_between_the_kinds_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Performance\n\n<!-- evac tables bench begin -->\nstale\n<!-- evac tables bench end -->\n\nafter\n",
        encoding="utf-8",
    )
    bench = _written(tmp_path, "bench.json", BENCH.model_dump(mode="json"))

    result = runner.invoke(app, ["tables", str(bench), "--into", str(readme)])

    assert result.exit_code == 0, result.output
    text = readme.read_text(encoding="utf-8")
    assert "stale" not in text
    assert text.startswith("# Performance\n\n<!-- evac tables bench begin -->\n\n| endpoints |")
    assert text.endswith("| not met |\n\n<!-- evac tables bench end -->\n\nafter\n")
    assert runner.invoke(app, ["tables", str(bench), "--into", str(readme)]).exit_code == 0
    assert readme.read_text(encoding="utf-8") == text  # generating again changes nothing


def test_into_a_file_without_the_markers_fails_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("<!-- evac tables drill begin -->\n<!-- evac tables drill end -->\n", encoding="utf-8")

    result = runner.invoke(app, ["tables", str(_written(tmp_path, "b.json", BENCH.model_dump(mode="json"))),
                                 "--into", str(readme)])  # fmt: skip

    assert result.exit_code == 2
    assert "evac tables bench begin" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert readme.read_text(encoding="utf-8").count("drill") == 2


def test_a_file_that_is_not_a_result_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tables", str(_written(tmp_path, "x.json", {"scenario": "x"}))])

    assert result.exit_code == 2
    assert "not an evac.result/1 result" in result.output
