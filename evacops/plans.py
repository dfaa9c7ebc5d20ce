"""Recovery plans derived from another for a drill or the bench: more endpoints, another DNS shift policy.

The derived plan is written to a file because the local cloud deploys a plan by path (the functions read it, as the
deployed bundle does); it is validated when written, so a bad derivation fails here, not in a Lambda.

Example::

    document = derive(DEFAULT_PLAN, endpoints=10, shift={"policy": "follow-capacity", "minimum_share": 0.25})
    path = write(document, tmp_dir)
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from evac.domain.plan import parse_plan

FOLLOW_CAPACITY: dict[str, Any] = {"policy": "follow-capacity", "minimum_share": 0.25, "step": 0.25}


def derive(base: str | Path, *, endpoints: int | None = None, shift: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan at ``base`` as data, with ``endpoints`` endpoints (copies of its first, named ``<first>-02`` and so
    on; the first keeps its name, so alarms still name it) and ``shift`` as its ``dns.shift``."""
    document: dict[str, Any] = yaml.safe_load(Path(base).read_text(encoding="utf-8"))
    if endpoints is not None:
        first = document["inference"]["endpoints"][0]
        copies = [copy.deepcopy(first) | {"name": f"{first['name']}-{i:02d}"} for i in range(2, endpoints + 1)]
        document["inference"]["endpoints"] = [first, *copies]
    if shift is not None:
        document["dns"]["shift"] = dict(shift)
    return document


def write(document: dict[str, Any], directory: str | Path, name: str = "plan.yaml") -> Path:
    """Validate ``document`` as a recovery plan and write it to ``directory``; returns its path."""
    path = Path(directory) / name
    parse_plan(document, source=str(path))
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
