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
    """``base`` with ``endpoints`` endpoints and ``shift`` as its ``dns.shift``.

    The plan's own endpoints come first, as many as fit; the rest are copies of its first, named ``<first>-02`` and
    so on (a name the plan already uses is skipped). An alarm measuring an endpoint left out measures the first
    instead, so every alarm still names an endpoint of the plan.
    """
    data = plan_document(base)
    if endpoints is not None:
        own = data["inference"]["endpoints"]
        first, kept = own[0], own[:endpoints]
        taken = {e["name"] for e in own}
        names = (f"{first['name']}-{i:02d}" for i in range(2, 10_000))
        fresh = [name for name in names if name not in taken][: max(0, endpoints - len(kept))]
        data["inference"]["endpoints"] = [*kept, *(copy.deepcopy(first) | {"name": name} for name in fresh)]
        left_out = {e["name"] for e in own[endpoints:]}
        for alarm in data["alarms"]:
            if alarm.get("endpoint") in left_out:
                alarm["endpoint"] = first["name"]
    if shift is not None:
        data["dns"]["shift"] = dict(shift)
    return parse_plan(data, source=f"{base.application}, derived")
