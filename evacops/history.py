"""Where `evac history` and `evac report` find runs: the local history drills leave behind (``.evac/history.jsonl``,
one run record a line, each an evac result of kind "run"), or a deployed stack's runs table in AWS.

The local history keeps the newest ``keep`` runs of each application: ``--keep N`` on the command that writes it,
else ``history.keep`` in ``.evac/settings.json``, else ``DEFAULT_KEEP``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Final

from evac.aws.dynamodb import Ledger
from evacops.journal import envelope

LOCAL = Path(".evac") / "history.jsonl"
SETTINGS = Path(".evac") / "settings.json"
DEFAULT_KEEP: Final = 200


class HistorySettingError(ValueError):
    """``.evac/settings.json`` cannot be read, or its ``history.keep`` is not a positive whole number."""


def keep_setting(path: Path = SETTINGS) -> int:
    """How many runs per application the local history keeps: ``history.keep`` in ``path``, else ``DEFAULT_KEEP``.

    >>> keep_setting(Path("/nonexistent/settings.json"))
    200
    """
    if not path.exists():
        return DEFAULT_KEEP
    try:
        keep = json.loads(path.read_text(encoding="utf-8")).get("history", {}).get("keep", DEFAULT_KEEP)
    except (OSError, ValueError, AttributeError) as exc:
        raise HistorySettingError(f"{path}: cannot read history.keep: {exc}") from None
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise HistorySettingError(f"{path}: history.keep must be a whole number of runs, at least 1 (got {keep!r})")
    return keep


def remember(records: list[dict[str, Any]], path: Path = LOCAL, *, keep: int | None = None) -> None:
    """Append a drill's run records to the local history (the local cloud itself is gone when the drill ends), then
    keep only the newest ``keep`` runs of each application (default: ``keep_setting()``)."""
    limit = keep if keep is not None else keep_setting(path.parent / SETTINGS.name)
    if limit < 1:
        raise HistorySettingError(f"keep must be at least 1 (got {limit})")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as history:
        for record in records:
            history.write(json.dumps(envelope("run") | record) + "\n")
    prune(path, limit)


def prune(path: Path, keep: int) -> int:
    """Drop all but the newest ``keep`` runs of each application from the history at ``path``, keeping the others'
    order; returns how many were dropped. A line that cannot be read is kept: nothing is lost unseen."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    runs = [(i, run) for i, line in enumerate(lines) if (run := _parse(line)) is not None]
    seen: Counter[str] = Counter()
    dropped = set()
    for i, run in sorted(runs, key=lambda found: str(found[1]["recorded_at"]), reverse=True):
        seen[str(run.get("application"))] += 1
        if seen[str(run.get("application"))] > keep:
            dropped.add(i)
    if dropped:
        kept = [line for i, line in enumerate(lines) if i not in dropped]
        temporary = path.with_suffix(".jsonl.tmp")
        temporary.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
        temporary.replace(path)  # atomic: a reader sees the old history or the new, never half of one
    return len(dropped)


def _parse(line: str) -> dict[str, Any] | None:
    try:
        run = json.loads(line)
    except ValueError:
        return None
    return run if isinstance(run, dict) and "recorded_at" in run else None


def export(runs: list[dict[str, Any]], path: Path) -> int:
    """Write ``runs`` to ``path`` as JSON lines in the journal schema (each an evac result of kind "run", readable
    with ``evacops.journal.read``), oldest first; returns how many."""
    ordered = sorted(runs, key=lambda r: str(r["recorded_at"]))
    path.write_text("".join(json.dumps(envelope("run") | run) + "\n" for run in ordered), encoding="utf-8")
    return len(ordered)


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
