"""Where `evac history` and `evac report` find runs: the local ledger drills leave behind (``.evac/history.jsonl``),
or a deployed stack's runs table in AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evac.aws.dynamodb import Ledger

LOCAL = Path(".evac") / "history.jsonl"


def remember(records: list[dict[str, Any]], path: Path = LOCAL) -> None:
    """Append a drill's run records to the local ledger (the local cloud itself is gone when the drill ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as ledger:
        for record in records:
            ledger.write(json.dumps(record) + "\n")


def local_runs(path: Path = LOCAL) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    runs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(runs, key=lambda r: r["recorded_at"], reverse=True)


def table_name(application: str) -> str:
    """The runs table's name in every region (template.yaml: evac-${Application}-runs)."""
    return f"evac-{application}-runs"


def aws_runs(application: str, region: str) -> list[dict[str, Any]]:
    return Ledger(table_name(application), region).runs()


def find(runs: list[dict[str, Any]], incident_id: str) -> dict[str, Any] | None:
    return next((r for r in runs if r["incident_id"] == incident_id), None)


def render(run: dict[str, Any]) -> str:
    """One run record as Markdown, for `evac report`."""
    phases = "\n".join(f"| {p['name']} | {p['seconds']:.1f} |" for p in run.get("phases", [])) or "| - | - |"
    checks = "\n".join(f"- {'ok' if c['ok'] else 'NO'} {c['name']}: {c['detail']}" for c in run.get("preflight", []))
    return f"""# {run["incident_id"]}: {run["outcome"]}

{run["summary"]}

- mode **{run.get("mode")}**, strategy **{run.get("strategy")}**
- from {run.get("source_region")} to {run.get("target_region")}
- detected {run.get("detected_at")}, recorded {run["recorded_at"]}
- RTO **{number(run.get("rto_seconds"))} s** (predicted {number(run.get("predicted_rto_seconds"))} s), \
RPO estimate **{number(run.get("rpo_seconds"))} s**
- approver: {run.get("approver") or "-"}
- error: {run.get("error") or "-"} {(run.get("cause") or "")[:300]}

| phase | seconds |
|---|---:|
{phases}

Preflight:

{checks or "- (not reached)"}

Input: `{json.dumps(run.get("request"))}`
"""


def number(value: object) -> str:
    return "-" if value is None else f"{float(value):.1f}"  # type: ignore[arg-type]
