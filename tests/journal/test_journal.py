"""The journal: every result evac writes carries the evac.result/1 envelope, and one reader takes any of them back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from evacops.bench import BenchReport, BenchRun, Goal, summarize
from evacops.chaos import Matrix
from evacops.drill import DrillReport, EndpointReport, PhaseReport, Verdict
from evacops.history import local_runs, remember
from evacops.journal import SCHEMA, ChaosResult, RunLine, UnreadableResultError, read, read_file

if TYPE_CHECKING:
    from pathlib import Path

DRILL = DrillReport(
    scenario="primary-outage",
    status="SUCCEEDED",
    executions=1,
    from_region="us-east-1",
    to_region="us-west-2",
    strategy="failover",
    writer_region="us-west-2",
    dns_region="us-west-2",
    endpoints=[EndpointReport(region="us-west-2", name="fraud-scoring-xgb", status="InService", instances=4)],
    rto_seconds=489,
    critical_path_seconds=480,
    overhead_ratio=1.019,
    rpo_seconds=0.85,
    phases=[PhaseReport(name="detect", start=0, end=62, seconds=62)],
    wall_seconds=10,
    checks=[Verdict(name="status", ok=True, detail="runbook SUCCEEDED")],
)
BENCH_RUNS = [
    BenchRun(
        endpoints=1,
        dns_policy="scale-then-shift",
        seed=1,
        status="SUCCEEDED",
        expected=True,
        rto_seconds=500.7,
        critical_path_seconds=480,
        overhead_ratio=1.043,
        full_capacity_seconds=500.7,
        rpo_seconds=0.85,
        rpo_observed_seconds=0.8,
        rpo_error_seconds=0.05,
        state_transitions=43,
        lambda_invocations=16,
        wall_seconds=12.1,
    )
]
BENCH = BenchReport(
    runs=BENCH_RUNS,
    summary=summarize(BENCH_RUNS),
    imports=[],
    baseline_import_seconds=None,
    goals=[
        Goal(name="scale-then-shift: overhead ratio p95 at 1 endpoint(s)", target="<= 1.03", value=1.043, met=False)
    ],
)
RECORD = {
    "incident_id": "drill-1",
    "outcome": "SUCCEEDED",
    "recorded_at": "2026-01-01T00:00:00+00:00",
    "rto_seconds": 4,
}


def test_a_drill_report_carries_the_envelope_beside_its_fields_and_reads_back() -> None:
    text = DRILL.model_dump_json()

    document = json.loads(text)
    assert (document["schema"], document["kind"]) == (SCHEMA, "drill")
    assert document["scenario"] == "primary-outage"
    assert document["checks"][0]["name"] == "status"
    assert read(text) == DRILL


def test_a_bench_report_carries_the_envelope_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text(BENCH.model_dump_json(indent=2), encoding="utf-8")

    assert json.loads(path.read_text(encoding="utf-8"))["kind"] == "bench"
    assert read_file(path) == BENCH


def test_the_fault_matrix_json_carries_the_envelope_and_reads_back() -> None:
    document = Matrix(results=[], sites=[], wall_seconds=1.0).to_json()

    found = read(json.dumps(document))
    assert isinstance(found, ChaosResult)
    assert (document["schema"], found.kind, found.scenarios, found.violations) == (SCHEMA, "chaos", 0, 0)


def test_a_history_line_is_the_run_record_enveloped_and_reads_back(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    remember([RECORD], history)

    line = history.read_text(encoding="utf-8").splitlines()[0]
    found = read(line)
    assert isinstance(found, RunLine)
    assert (found.kind, found.incident_id, found.model_extra) == ("run", "drill-1", {"rto_seconds": 4})
    assert local_runs(history) == [{"schema": SCHEMA, "kind": "run", **RECORD}]


def test_history_lines_written_before_the_envelope_are_still_listed(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps(RECORD) + "\n", encoding="utf-8")

    assert local_runs(history) == [RECORD]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json", "not JSON"),
        (json.dumps({"scenario": "x"}), "not an evac.result/1 result"),
        (json.dumps({"schema": SCHEMA, "kind": "weather"}), "unknown kind"),
        (json.dumps({"schema": SCHEMA, "kind": "drill"}), "bad fields"),
    ],
)
def test_what_is_not_a_result_is_refused_naming_why(text: str, says: str) -> None:
    with pytest.raises(UnreadableResultError, match=says):
        read(text)
