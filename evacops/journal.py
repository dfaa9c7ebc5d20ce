"""The journal: one versioned envelope for every result evac writes, so a person and a script read them alike.

Every JSON result (a drill report, the fault matrix, a bench run) and every line of the local run history
(``.evac/history.jsonl``) carries ``"schema": "evac.result/1"`` and a ``"kind"`` beside its own fields. The fields
are a contract: they may be added, never renamed. ``read`` takes any of them back::

    result = read(Path("r.json").read_text())      # a DrillReport, BenchReport, ChaosResult or RunLine
    result.kind                                    # "drill" | "bench" | "chaos" | "run"
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

if TYPE_CHECKING:
    from pathlib import Path

SCHEMA: Final = "evac.result/1"
Kind = Literal["drill", "chaos", "bench", "run"]


class Journaled(BaseModel):
    """The envelope every result carries: its schema version and its kind (subclasses fix the kind)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    result_schema: Literal["evac.result/1"] = Field(default=SCHEMA, alias="schema")
    kind: Kind


class ChaosResult(Journaled):
    """The fault matrix as ``evac chaos --json`` writes it: totals and one result per scenario."""

    kind: Literal["chaos"] = "chaos"
    scenarios: int
    violations: int
    sites: int
    wall_seconds: float
    results: list[dict[str, Any]]


class RunLine(Journaled):
    """One run record in the local history: the ledger's record as the runbook wrote it, enveloped."""

    model_config = ConfigDict(extra="allow")

    kind: Literal["run"] = "run"
    incident_id: str
    outcome: str
    recorded_at: str


def envelope(kind: Kind) -> dict[str, str]:
    """The envelope's fields, for results written as plain dicts (a history line, the matrix)."""
    return {"schema": SCHEMA, "kind": kind}


class UnreadableResultError(ValueError):
    """The text is not a result this version of evac writes (no envelope, another schema, or bad fields)."""


def read(text: str) -> Journaled:
    """Any result back, as its own model: a drill, chaos or bench JSON file, or one history line."""
    from evacops.bench.runs import BenchReport
    from evacops.drill.report import DrillReport

    models: dict[str, type[Journaled]] = {
        "drill": DrillReport,
        "bench": BenchReport,
        "chaos": ChaosResult,
        "run": RunLine,
    }
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UnreadableResultError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise UnreadableResultError(f"not an {SCHEMA} result (schema: {found!r})")
    model = models.get(str(document.get("kind")))
    if model is None:
        raise UnreadableResultError(f"unknown kind {document.get('kind')!r}; known: {', '.join(models)}")
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise UnreadableResultError(f"a {document['kind']} result with bad fields: {exc}") from None


def read_file(path: Path) -> Journaled:
    """``read`` of a file's text."""
    return read(path.read_text(encoding="utf-8"))
