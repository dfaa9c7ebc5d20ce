"""Where `evac history` and `evac report` find runs: the local history drills leave behind (``.evac/history.jsonl``,
one run record a line, each an evac result of kind "run"), or a deployed stack's runs table in AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evac.aws.dynamodb import Ledger
from evacops.journal import envelope

LOCAL = Path(".evac") / "history.jsonl"


def remember(records: list[dict[str, Any]], path: Path = LOCAL) -> None:
    """Append a drill's run records to the local history (the local cloud itself is gone when the drill ends)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as history:
        for record in records:
            history.write(json.dumps(envelope("run") | record) + "\n")


def local_runs(path: Path = LOCAL) -> list[dict[str, Any]]:
    """The local history's run records, newest first (lines written before the envelope are read alike)."""
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


def number(value: object) -> str:
    return "-" if value is None else f"{float(value):.1f}"  # type: ignore[arg-type]
