"""Drill reports for people: the timeline picture, the runbook diagram from the ASL, the Markdown summary."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from evacops.drill import DrillReport, EndpointReport, PhaseReport, Verdict
from evacops.reports import RUNBOOK_ASL, critical, runbook_mermaid, write_report

if TYPE_CHECKING:
    from pathlib import Path

PHASES = [
    PhaseReport(name="detect", start=0, end=62, seconds=62),
    PhaseReport(name="prepare", start=62, end=65, seconds=3),
    PhaseReport(name="database", start=66, end=126, seconds=60),
    PhaseReport(name="inference", start=66, end=426, seconds=360),
    PhaseReport(name="dns", start=427, end=487, seconds=60),
    PhaseReport(name="verify", start=487, end=489, seconds=2),
]
REPORT = DrillReport(
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
    phases=PHASES,
    wall_seconds=10,
    expected=True,
    checks=[Verdict(name="status", ok=True, detail="runbook SUCCEEDED")],
)


def test_the_critical_path_takes_the_slower_parallel_branch() -> None:
    assert critical(PHASES) == {"detect", "prepare", "inference", "dns", "verify"}


def test_when_traffic_follows_capacity_the_critical_path_takes_the_branch_dns_waited_for() -> None:
    # GIVEN the first share of traffic moved after the database, while the endpoints were still scaling up
    ramped = [
        *PHASES[:3],
        PhaseReport(name="inference", start=66, end=440, seconds=374),
        PhaseReport(name="dns", start=127, end=187, seconds=60),
        PhaseReport(name="verify", start=187, end=189, seconds=2),
        PhaseReport(name="ramp", start=189, end=500, seconds=311),
    ]

    assert critical(ramped) == {"detect", "prepare", "database", "dns", "verify"}


def test_a_drill_leaves_a_folder_with_summary_timeline_and_runbook_diagram(tmp_path: Path) -> None:
    report = REPORT.model_copy(deep=True)

    written = write_report(report, tmp_path / "r")

    assert sorted(p.rsplit("/", 1)[1] for p in written) == ["runbook.mmd", "summary.md", "timeline.svg"]
    svg = ElementTree.parse(tmp_path / "r" / "timeline.svg").getroot()  # well-formed XML
    labels = {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")}
    assert {"detect", "inference", "dns", "verify", "RTO"} <= labels
    summary = (tmp_path / "r" / "summary.md").read_text(encoding="utf-8")
    assert "![timeline](timeline.svg)" in summary
    assert "```mermaid" in summary
    assert str(tmp_path / "r" / "report.json") in report.report_files


def test_the_runbook_diagram_names_every_state_of_the_asl() -> None:
    asl = json.loads(RUNBOOK_ASL.read_text(encoding="utf-8"))
    diagram = runbook_mermaid(asl)

    def names(states: dict) -> set[str]:
        found = set(states)
        for state in states.values():
            for branch in [*state.get("Branches", []), *([state["ItemProcessor"]] if "ItemProcessor" in state else [])]:
                found |= names(branch["States"])
        return found

    assert all(f'"{name}"' in diagram for name in names(asl["States"]))
    assert "ScaleEndpoint" in names(asl["States"])  # the Maps' per-endpoint states are drawn too
    assert "s_Route -->|run.mode = dry-run| s_Record" in diagram
