"""Deprecated path of ``evacops.drill.variants`` (plans derived from a plan file), kept for its remaining importer
(tests/functional/conftest.py); remove once that imports ``evacops.drill.variants`` and ``evacops.cloud``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evac.domain.plan import load_plan, parse_plan
from evacops.cloud import plan_document, write_plan
from evacops.drill.variants import FOLLOW_CAPACITY
from evacops.drill.variants import derive as derive_plan

__all__ = ["FOLLOW_CAPACITY", "derive", "write"]


def derive(base: str | Path, *, endpoints: int | None = None, shift: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan file at ``base``, derived (``evacops.drill.variants.derive``), as data."""
    return plan_document(derive_plan(load_plan(base), endpoints=endpoints, shift=shift))


def write(document: dict[str, Any], directory: str | Path, name: str = "plan.yaml") -> Path:
    """Validate ``document`` as a plan and write it (``evacops.cloud.write_plan``)."""
    return write_plan(parse_plan(document, source=str(Path(directory) / name)), directory, name)
