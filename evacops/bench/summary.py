"""The bench's figures over its seeds, and the goals judged on them.

Each endpoint count and DNS policy is played once per seed, with the dependencies' latencies drawn for that seed
(``Latencies.around``: within +-50 % of the plan's expectations), so a figure is a distribution, not one run: p50 and
p95 of RTO and of the overhead ratio, and RTO(N) / RTO(fewest) paired by seed (the same draws at both sizes, so the
ratio shows what the size costs, not what the draw did).

Percentiles are nearest-rank (the smallest value with at least q of the runs at or below it): with 20 seeds, p95 is
the second-largest run, a value that happened rather than an interpolation.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from evacops.localcloud.fidelity import HISTORY_LIMIT

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from evacops.bench.runs import BenchRun, Policy

# The goals: what issue-level targets the bench judges (docs/performance.md says why each).
OVERHEAD_P95 = 1.03  # overhead ratio p95 at the fewest endpoints (scale-then-shift)
FLAT_P50 = 1.03  # RTO(most) / RTO(fewest), p50 paired by seed, for each policy
FOLLOW_GAIN_P50 = 0.5  # RTO follow-capacity / scale-then-shift, p50 paired by seed
HISTORY_SHARE = 0.1  # the largest execution history, as a share of Step Functions' limit


class Summary(BaseModel):
    """One endpoint count and DNS policy over every seed the bench played."""

    endpoints: int
    dns_policy: str
    seeds: int = Field(description="how many runs (one per seed)")
    expected: int = Field(description="how many of them met the drill's expected outcome")
    rto_p50: float | None
    rto_p95: float | None
    overhead_p50: float | None
    overhead_p95: float | None
    rto_ratio_to_one_p50: float | None = Field(description="RTO(N) / RTO(fewest endpoints), paired by seed")
    history_events_max: int
    cold_start_share_p50: float | None = Field(
        description="Lambda INIT time charged during the run / RTO: an upper bound of its share (some overlap)"
    )
    wall_p50: float


class Goal(BaseModel):
    name: str
    target: str
    value: float | None
    met: bool


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """Nearest-rank percentile of the values present; None when there are none.

    >>> percentile([3.0, 1.0, 2.0, None], 0.5)
    2.0
    """
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    return present[max(0, math.ceil(q * len(present)) - 1)]


def summarize(runs: Sequence[BenchRun]) -> list[Summary]:
    """One summary per endpoint count and policy, in the order the runs came."""
    groups: dict[tuple[int, str], list[BenchRun]] = {}
    for run in runs:
        groups.setdefault((run.endpoints, run.dns_policy), []).append(run)
    fewest = min((r.endpoints for r in runs), default=0)
    found = []
    for (endpoints, policy), played in groups.items():
        ones = {r.seed: r.rto_seconds for r in groups.get((fewest, policy), [])}
        ratios = [_ratio(r.rto_seconds, ones.get(r.seed)) for r in played]
        found.append(
            Summary(
                endpoints=endpoints,
                dns_policy=policy,
                seeds=len(played),
                expected=sum(r.expected for r in played),
                rto_p50=percentile((r.rto_seconds for r in played), 0.5),
                rto_p95=percentile((r.rto_seconds for r in played), 0.95),
                overhead_p50=percentile((r.overhead_ratio for r in played), 0.5),
                overhead_p95=percentile((r.overhead_ratio for r in played), 0.95),
                rto_ratio_to_one_p50=percentile(ratios, 0.5),
                history_events_max=max(r.history_events for r in played),
                cold_start_share_p50=percentile((_ratio(r.cold_start_seconds, r.rto_seconds) for r in played), 0.5),
                wall_p50=percentile((r.wall_seconds for r in played), 0.5) or 0.0,
            )
        )
    return found


def goals(runs: Sequence[BenchRun]) -> list[Goal]:
    """The targets, as far as these runs can tell: overhead near the floor with the fewest endpoints, RTO flat as
    endpoints grow, following capacity at most half the time of scaling fully first, and histories far from Step
    Functions' limit."""
    summary = {(s.endpoints, s.dns_policy): s for s in summarize(runs)}
    counts = sorted({r.endpoints for r in runs})
    policies: list[Policy] = list(dict.fromkeys(r.dns_policy for r in runs))
    found: list[Goal] = []
    if not counts:
        return found
    few, most = counts[0], counts[-1]
    if (one := summary.get((few, "scale-then-shift"))) is not None:
        found.append(
            _at_most(f"scale-then-shift: overhead ratio p95 at {few} endpoint(s)", one.overhead_p95, OVERHEAD_P95)
        )
    if most != few:
        for policy in policies:
            flat = summary[(most, policy)].rto_ratio_to_one_p50
            found.append(_at_most(f"{policy}: RTO({most}) / RTO({few}) p50", flat, FLAT_P50))
    if {"scale-then-shift", "follow-capacity"} <= set(policies):
        for count in counts:
            gains = [
                _ratio(f.rto_seconds, s.rto_seconds)
                for f in runs
                if (f.endpoints, f.dns_policy) == (count, "follow-capacity")
                for s in runs
                if (s.endpoints, s.dns_policy, s.seed) == (count, "scale-then-shift", f.seed)
            ]
            name = f"RTO follow-capacity / scale-then-shift p50 at {count} endpoint(s)"
            found.append(_at_most(name, percentile(gains, 0.5), FOLLOW_GAIN_P50))
    events = max((r.history_events for r in runs if r.endpoints == most), default=0)
    found.append(
        _at_most(f"history events at {most} endpoint(s), share of the limit", events / HISTORY_LIMIT, HISTORY_SHARE)
    )
    return found


def _at_most(name: str, value: float | None, target: float) -> Goal:
    return Goal(name=name, target=f"<= {target:.2f}", value=value, met=value is not None and value <= target)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)
