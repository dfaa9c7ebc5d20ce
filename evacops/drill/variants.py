"""Recovery plans derived from another for a drill or the bench: more endpoints, more resources of mixed kinds,
another DNS shift policy.

A derived plan is validated as it is made, so a bad derivation fails here, not in a Lambda::

    bigger = derive(plan, endpoints=10, shift=FOLLOW_CAPACITY)
    mixed = derive(plan, resources=50)
"""

from __future__ import annotations

import copy
import uuid
from itertools import cycle, islice
from typing import TYPE_CHECKING, Any

from evac.domain.plan import parse_plan
from evacops.cloud import plan_document

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

FOLLOW_CAPACITY: dict[str, Any] = {"policy": "follow-capacity", "minimum_share": 0.25, "step": 0.25}
# What a copy keeps as it is: names shared by every copy (an ECS cluster holds many services; a schedule group many
# schedules); every other per-region name and the table's get the copy's suffix.
_SHARED = {"clusters", "group"}
_MAPPING_IDS = uuid.UUID("5f0c6a8e-2b1d-4c3e-9a7f-0e1d2c3b4a59")  # uuid5 namespace of derived mapping UUIDs


def derive(
    base: RecoveryPlan,
    *,
    endpoints: int | None = None,
    resources: int | None = None,
    shift: dict[str, Any] | None = None,
) -> RecoveryPlan:
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
    if resources is not None:
        data["resources"] = mixed_resources(data["resources"], resources)
    if shift is not None:
        data["dns"]["shift"] = dict(shift)
    return parse_plan(data, source=f"{base.application}, derived")


def mixed_resources(own: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """``count`` resources cycling through the kinds of ``own`` in its order: the first of each is the plan's own,
    the n-th a copy named ``<name>-<n:02d>``, its per-region names (but its ECS cluster and schedule group) and its
    table suffixed alike, its event source mappings under fresh UUIDs (stable: derived from the copy's name).

    >>> [r["name"] for r in mixed_resources([{"kind": "custom", "name": "a"}, {"kind": "schedule", "name": "b"}], 3)]
    ['a', 'b', 'a-02']
    """
    if count and not own:
        raise ValueError("the plan lists no resources to derive more from")
    taken = {r["name"] for r in own}
    derived = []
    for i, template in enumerate(islice(cycle(own), count)):
        if i < len(own):
            derived.append(copy.deepcopy(template))
            continue
        n = i // len(own) + 1
        while f"{template['name']}-{n:02d}" in taken:  # a name the plan already uses is skipped
            n += len(own)
        derived.append(_copy(template, f"-{n:02d}"))
        taken.add(derived[-1]["name"])
    return derived


def _copy(template: dict[str, Any], suffix: str) -> dict[str, Any]:
    item = copy.deepcopy(template)
    item["name"] += suffix
    for field, value in item.items():
        if field == "mappings":
            item[field] = {r: str(uuid.uuid5(_MAPPING_IDS, f"{item['name']}/{r}")) for r in value}
        elif isinstance(value, dict) and field not in _SHARED:
            item[field] = {region: name + suffix for region, name in value.items()}
        elif field == "table":
            item[field] = value + suffix
    return item
