"""Reports people want to look at: every drill leaves a folder with a Markdown summary, a timeline picture (SVG: the
phases as bars over modelled time, the critical path marked) and the runbook diagram generated from the ASL itself
(Mermaid), so the picture never drifts from the code.

The SVG is written by hand (a few rectangles and labels) rather than through a plotting library: it keeps the
operator tooling light and the output diffable.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evacops.template import ROOT

if TYPE_CHECKING:
    from evacops.drill import DrillReport, PhaseReport

RUNBOOK_ASL = ROOT / "state_machines" / "failover.asl.json"
_WIDTH, _LEFT, _RIGHT, _ROW, _TOP = 960, 110, 80, 34, 56
_COLOURS = {"critical": "#d1495b", "other": "#8aa1b1", "grid": "#e3e7ea", "text": "#1f2a33"}


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


def critical(phases: list[PhaseReport]) -> set[str]:
    """The phases RTO waits on: detection, preparation and approval, whichever of database and inference DNS waited
    for (the slower, unless traffic followed capacity), DNS, verification."""
    names = {p.name for p in phases} - {"database", "inference", "standby", "ramp"}
    dns = next((p for p in phases if p.name == "dns"), None)
    parallel = [p for p in phases if p.name in ("database", "inference") and (dns is None or p.end <= dns.start)]
    if parallel:
        names.add(max(parallel, key=lambda p: p.end).name)
    return names


def timeline_svg(report: DrillReport) -> str:
    phases = report.phases
    end = max([p.end for p in phases] + [60.0])
    start = min([p.start for p in phases] + [0.0])
    span = end - start
    scale = (_WIDTH - _LEFT - _RIGHT) / span

    def x(seconds: float) -> float:
        return _LEFT + (seconds - start) * scale

    height = _TOP + _ROW * max(len(phases), 1) + 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        f'<rect width="{_WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{_LEFT}" y="24" font-size="16" font-weight="bold" fill="{_COLOURS["text"]}">'
        f"{escape(report.scenario)}: {report.status}"
        f"{f', RTO {report.rto_seconds:.0f} s' if report.rto_seconds else ''}"
        f"{f' (critical path {report.critical_path_seconds:.0f} s)' if report.critical_path_seconds else ''}</text>",
    ]
    step = _tick(span)
    tick = (start // step) * step
    while tick <= end:
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{_TOP - 8}" x2="{x(tick):.1f}" y2="{height - 40}" '
            f'stroke="{_COLOURS["grid"]}"/>'
        )
        out.append(f'<text x="{x(tick):.1f}" y="{height - 24}" text-anchor="middle" fill="#55636e">{tick:.0f} s</text>')
        tick += step
    on_path = critical(phases)
    for row, phase in enumerate(phases):
        y = _TOP + row * _ROW
        colour = _COLOURS["critical" if phase.name in on_path else "other"]
        width = max((phase.end - phase.start) * scale, 2)
        text = _COLOURS["text"]
        out += [
            f'<text x="{_LEFT - 10}" y="{y + 17}" text-anchor="end" fill="{text}">{escape(phase.name)}</text>',
            f'<rect x="{x(phase.start):.1f}" y="{y + 4}" width="{width:.1f}" height="{_ROW - 10}" rx="3" '
            f'fill="{colour}"/>',
            f'<text x="{x(phase.start) + width + 6:.1f}" y="{y + 17}" fill="{text}">{phase.seconds:.1f} s</text>',
        ]
    verified = next((p.end for p in phases if p.name == "verify"), None)
    if report.rto_seconds and verified is not None:  # RTO ends when verification does
        rto_x = x(verified)
        out.append(
            f'<line x1="{rto_x:.1f}" y1="{_TOP - 12}" x2="{rto_x:.1f}" y2="{height - 40}" stroke="#1f2a33" '
            'stroke-dasharray="4 3"/>'
        )
        out.append(f'<text x="{rto_x - 4:.1f}" y="{_TOP - 16}" text-anchor="end" fill="#1f2a33">RTO</text>')
    legend_y = height - 8
    out += [
        f'<rect x="{_LEFT}" y="{legend_y - 10}" width="12" height="10" fill="{_COLOURS["critical"]}"/>',
        f'<text x="{_LEFT + 18}" y="{legend_y}" fill="#55636e">on the critical path</text>',
        f'<rect x="{_LEFT + 170}" y="{legend_y - 10}" width="12" height="10" fill="{_COLOURS["other"]}"/>',
        f'<text x="{_LEFT + 188}" y="{legend_y}" fill="#55636e">in parallel / after recovery</text>',
        f'<text x="{_WIDTH - _RIGHT}" y="{legend_y}" text-anchor="end" fill="#55636e">modelled seconds since the '
        "incident began</text>",
        "</svg>",
    ]
    return "\n".join(out) + "\n"


def _tick(span: float) -> float:
    for step in (10, 30, 60, 120, 300, 600, 1800):
        if span / step <= 12:
            return float(step)
    return 3600.0


def runbook_mermaid(asl: dict[str, Any]) -> str:
    """A Mermaid flowchart of an ASL definition: states, their Next/Default/Choice edges, Catch edges dashed, and
    Parallel branches as subgraphs."""
    lines = ["flowchart TD", f"    start((start)) --> {_id(asl['StartAt'])}"]
    _states(asl["States"], lines, indent="    ")
    return "\n".join(lines) + "\n"


def _states(states: dict[str, Any], lines: list[str], indent: str) -> None:
    for name, state in states.items():
        node = _id(name)
        kind = state["Type"]
        label = escape(name).replace('"', "'")
        shape = {
            "Choice": f'{node}{{"{label}"}}',
            "Succeed": f'{node}(["{label}"])',
            "Fail": f'{node}(["{label}"])',
            "Wait": f'{node}[/"{label}"/]',
        }.get(kind, f'{node}["{label}"]')
        lines.append(f"{indent}{shape}")
        if kind == "Parallel":
            for number, branch in enumerate(state["Branches"], 1):
                lines.append(f"{indent}subgraph {node}_{number} [{label} branch {number}]")
                _states(branch["States"], lines, indent + "    ")
                lines.append(f"{indent}end")
                lines.append(f"{indent}{node} --> {_id(branch['StartAt'])}")
        if processor := state.get("ItemProcessor") or state.get("Iterator"):
            items = escape(str(state.get("ItemsPath", "$")).removeprefix("$."))
            lines.append(f"{indent}subgraph {node}_each [{label}: for each of {items}]")
            _states(processor["States"], lines, indent + "    ")
            lines.append(f"{indent}end")
            lines.append(f"{indent}{node} --> {_id(processor['StartAt'])}")
        for choice in state.get("Choices", []):
            lines.append(f"{indent}{node} -->|{escape(_condition(choice))}| {_id(choice['Next'])}")
        if "Default" in state:
            lines.append(f"{indent}{node} -->|otherwise| {_id(state['Default'])}")
        if "Next" in state:
            lines.append(f"{indent}{node} --> {_id(state['Next'])}")
        for catch in state.get("Catch", []):
            errors = ", ".join(catch["ErrorEquals"])
            lines.append(f"{indent}{node} -.->|{escape(errors)}| {_id(catch['Next'])}")


_OPERATORS = {"Equals": "=", "GreaterThanEquals": "≥", "GreaterThan": ">", "LessThanEquals": "≤", "LessThan": "<"}


def _condition(choice: dict[str, Any]) -> str:
    """``{"Variable": "$.run.mode", "StringEquals": "dry-run"}`` -> ``run.mode = dry-run``."""
    variable = str(choice.get("Variable", "")).removeprefix("$.")
    for key, value in choice.items():
        if key in ("Variable", "Next"):
            continue
        operator = next((sign for suffix, sign in _OPERATORS.items() if key.endswith(suffix)), key)
        shown = str(value).lower() if isinstance(value, bool) else value
        return f"{variable} {operator} {shown}".replace("|", "/")
    return variable


def _id(name: str) -> str:
    return "s_" + "".join(ch if ch.isalnum() else "_" for ch in name)


def summary_markdown(report: DrillReport, diagram: str) -> str:
    verdict = "expected outcome verified" if report.expected else "expected outcome NOT verified"
    rows = (
        "\n".join(f"| {p.name} | {p.start:.1f} | {p.end:.1f} | {p.seconds:.1f} |" for p in report.phases)
        or "| (none: no runbook ran) | | | |"
    )
    checks = "\n".join(f"- {'✓' if c.ok else '✗'} **{c.name}**: {c.detail}" for c in report.checks)
    endpoints = "\n".join(f"| {e.name} | {e.region} | {e.status} | {e.instances} |" for e in report.endpoints)
    facts = [
        ("Status", report.status),
        ("Run", report.incident_id or "-"),
        ("Move", f"{report.from_region} → {report.to_region} ({report.strategy or 'no change'})"),
        ("RTO", _seconds(report.rto_seconds)),
        ("Predicted RTO", _seconds(report.predicted_rto_seconds)),
        ("Critical path", _seconds(report.critical_path_seconds)),
        ("Overhead ratio", f"{report.overhead_ratio:.3f}" if report.overhead_ratio else "-"),
        ("RPO estimate", _seconds(report.rpo_seconds)),
        ("Writer region", report.writer_region or "-"),
        ("DNS region", report.dns_region or "split / none"),
        ("Runbooks started", str(report.executions)),
        ("Approver", report.approver or "-"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in facts)
    return f"""# evac drill: {report.scenario}

**{report.status}** — {verdict}. Times are modelled seconds since the incident began.

| | |
|---|---|
{table}

![timeline](timeline.svg)

## Phases

| phase | start (s) | end (s) | seconds |
|---|---:|---:|---:|
{rows}

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


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"
