"""Recovery plans derived from another for a drill or the bench: more endpoints, another DNS shift policy.

A derived plan is validated as it is made, so a bad derivation fails here, not in a Lambda::

    bigger = derive(plan, endpoints=10, shift=FOLLOW_CAPACITY)
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from evac.domain.plan import parse_plan
from evacops.cloud import plan_document

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

FOLLOW_CAPACITY: dict[str, Any] = {"policy": "follow-capacity", "minimum_share": 0.25, "step": 0.25}


def derive(base: RecoveryPlan, *, endpoints: int | None = None, shift: dict[str, Any] | None = None) -> RecoveryPlan:
    """``base`` with ``endpoints`` endpoints (copies of its first, named ``<first>-02`` and so on; the first keeps its
    name, so alarms still name it) and ``shift`` as its ``dns.shift``."""
    data = plan_document(base)
    if endpoints is not None:
        first = data["inference"]["endpoints"][0]
        copies = [copy.deepcopy(first) | {"name": f"{first['name']}-{i:02d}"} for i in range(2, endpoints + 1)]
        data["inference"]["endpoints"] = [first, *copies]
    if shift is not None:
        data["dns"]["shift"] = dict(shift)
    return parse_plan(data, source=f"{base.application}, derived")
