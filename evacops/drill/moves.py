"""Where traffic went during a drill, and whether the region receiving it could serve it (principle 2).

Read from the local cloud's fidelity histories, not from the runbook's own account: every change of the plan's
weighted record (``Route53Propagation.history``) and every change of each endpoint's instances in service
(``SageMakerScaling.history``), both on the modelled clock, and the share the plan's serving resources (ECS services,
Auto Scaling groups) served when each change was submitted (the change's ``world``, ``LocalCloud.truth.world``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evacops.localcloud import LocalCloud

FULL = 100


@dataclass(frozen=True)
class Move:
    """One change of the plan's weighted record: each region's share of traffic (percent) and when it changed."""

    shares: dict[str, int]
    submitted: float  # modelled seconds since the local cloud started
    insync: float | None
    capacity: dict[str, int]  # each region's serving capacity share (percent) when the change was submitted


def moves(cloud: LocalCloud) -> list[Move]:
    """Every change of the plan's weighted record, the seed's included, in order."""
    dns, regions = cloud.plan.dns, cloud.plan.regions.both
    by_set = {dns.set_identifiers[region]: region for region in regions}
    weights = dict.fromkeys(regions, 0)
    found = []
    for entry in cloud.route53.history:
        ours = [c["ResourceRecordSet"] for c in entry["changes"] if _is_record(c["ResourceRecordSet"], dns.record_name)]
        if not ours:
            continue
        for record_set in ours:
            if record_set.get("SetIdentifier") in by_set:
                weights[by_set[record_set["SetIdentifier"]]] = int(record_set.get("Weight", 0))
        total = sum(weights.values())
        shares = {r: math.floor(FULL * w / total) if total else 0 for r, w in weights.items()}
        at = float(entry["submitted"])
        served = (entry.get("world") or {}).get("resources", {})
        capacity = {region: min(capacity_at(cloud, region, at), served.get(region, FULL)) for region in regions}
        found.append(Move(shares, at, entry["insync"], capacity))
    return found


def capacity_at(cloud: LocalCloud, region: str, at: float) -> int:
    """The share (percent) of its traffic ``region`` could serve at modelled time ``at``: its least-provisioned
    endpoint's instances in service over the plan's active instances."""
    return min(
        min(FULL, math.floor(FULL * cloud.sagemaker.instances_at(region, e.name, at) / e.active_instances))
        for e in cloud.plan.inference.endpoints
    )


def overloads(found: list[Move]) -> list[str]:
    """Every moment a region was sent more traffic than its InService capacity could take, said in words."""
    return [
        f"{share}% of traffic to {region} at {move.submitted:.1f} s, which could serve {move.capacity[region]}%"
        for move in found
        for region, share in move.shares.items()
        if share > move.capacity[region]
    ]


def _is_record(record_set: dict, name: str) -> bool:
    return str(record_set.get("Name", "")).rstrip(".") == name.rstrip(".")
