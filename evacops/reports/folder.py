"""The report folder every drill leaves: a Markdown summary, the timeline picture and the runbook diagram, and the
report's JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from evacops.reports.mermaid import runbook_mermaid
from evacops.reports.tables import drill_facts, drill_phases
from evacops.reports.timeline import timeline_svg
from evacops.template import ROOT

if TYPE_CHECKING:
    from evacops.drill.report import DrillReport

RUNBOOK_ASL = ROOT / "state_machines" / "failover.asl.json"


def write_report(report: DrillReport, folder: Path) -> list[str]:
    """Write the report folder; returns the files written (also appended to ``report.report_files``)."""
    folder.mkdir(parents=True, exist_ok=True)
    diagram = runbook_mermaid(json.loads(RUNBOOK_ASL.read_text(encoding="utf-8")))
    files = {
        "timeline.svg": timeline_svg(report),
        "runbook.mmd": diagram,
        "summary.md": summary_markdown(report, diagram),
    }
    written = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(str(folder / name))
    report.report_files.extend(written)
    (folder / "report.json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    report.report_files.append(str(folder / "report.json"))
    return written


def default_folder(scenario: str, root: Path = Path("reports")) -> Path:
    return root / f"{scenario}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


def summary_markdown(report: DrillReport, diagram: str) -> str:
    """The report folder's summary.md: facts, timeline, phases, checks, endpoints, the runbook diagram."""
    verdict = "expected outcome verified" if report.expected else "expected outcome NOT verified"
    checks = "\n".join(f"- {'✓' if c.ok else '✗'} **{c.name}**: {c.detail}" for c in report.checks)
    endpoints = "\n".join(f"| {e.name} | {e.region} | {e.status} | {e.instances} |" for e in report.endpoints)
    return f"""# evac drill: {report.scenario}

**{report.status}** — {verdict}. Times are modelled seconds since the incident began.

{drill_facts(report)}

![timeline](timeline.svg)

## Phases

{drill_phases(report)}

## Checks

{checks}

## Endpoints at the end

| endpoint | region | status | instances |
|---|---|---|---:|
{endpoints}

## The runbook (generated from `state_machines/failover.asl.json`)

```mermaid
{diagram}```
"""
