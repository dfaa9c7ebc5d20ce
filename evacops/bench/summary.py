"""The bench's figures over its seeds, and the goals judged on them.

Each endpoint count (or count of the plan's resources, on a mixed-resources bench) and DNS policy is played once
per seed, with the dependencies' latencies drawn for that seed
(``Latencies.around``: within +-50 % of the plan's expectations), so a figure is a distribution, not one run: p50 and
p95 of RTO and of the overhead ratio, and RTO(N) / RTO(fewest) paired by seed (the same draws at both sizes, so the
ratio shows what the size costs, not what the draw did), and p50 and p95 of the RPO observed (what the local
cloud's write workload lost when the writer moved). The RTO, overhead, size and history goals are judged on the
primary-outage runs alone; the RPO goals on each scenario's: a failover within the plan's ``rpo_budget_seconds``,
a planned switchover losing nothing.

Percentiles are nearest-rank (the smallest value with at least q of the runs at or below it): with 20 seeds, p95 is
the second-largest run, a value that happened rather than an interpolation.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from evacops.localcloud.fidelity import HISTORY_LIMIT

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from evacops.bench.runs import BenchRun, BenchScenario, Policy

Scale = Literal["endpoints", "resources"]
# The goals: what issue-level targets the bench judges (docs/performance.md says why each).
OVERHEAD_P95 = 1.03  # overhead ratio p95 at the fewest endpoints (scale-then-shift)
FLAT_P50 = 1.03  # RTO(most) / RTO(fewest), p50 paired by seed, for each policy
FOLLOW_GAIN_P50 = 0.5  # RTO follow-capacity / scale-then-shift, p50 paired by seed
HISTORY_SHARE = 0.1  # the largest execution history, as a share of Step Functions' limit


class Summary(BaseModel):
    """One endpoint count (or resource count) and DNS policy over every seed the bench played."""

    endpoints: int
    resources: int = Field(default=0, description="the plan's resources: (mixed kinds)")
    scale: Scale = Field(default="endpoints", description="what the bench grew: endpoints, or resources of mixed kinds")
    dns_policy: str
    scenario: str = Field(default="primary-outage", description="the drill its runs played")
    seeds: int = Field(description="how many runs (one per seed)")
    expected: int = Field(description="how many of them met the drill's expected outcome")
    rto_p50: float | None
    rto_p95: float | None
    overhead_p50: float | None
    overhead_p95: float | None
    rto_ratio_to_one_p50: float | None = Field(description="RTO(N) / RTO(fewest of what grew), paired by seed")
    rpo_observed_p50: float | None = Field(
        default=None, description="what the write workload lost when the writer moved (seconds of writes)"
    )
    rpo_observed_p95: float | None = None
    history_events_max: int
    cold_start_share_p50: float | None = Field(
        description="Lambda INIT time charged during the run / RTO: an upper bound of its share (some overlap)"
    )
    wall_p50: float

    @property
    def size(self) -> int:
        """How many of what the bench grew."""
        return self.resources if self.scale == "resources" else self.endpoints


def size_column(summary: Sequence[Summary]) -> str:
    """What a table's count column counts: endpoints, resources of mixed kinds, or both (then each cell says which)."""
    scales = {s.scale for s in summary}
    return "resources (mixed kinds)" if scales == {"resources"} else "endpoints" if scales <= {"endpoints"} else "size"


def size_cell(row: Summary, column: str) -> str:
    return str(row.size) if column != "size" else f"{row.size} {row.scale}"


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


def size(run: BenchRun) -> int:
    """How many of what the bench grew this run had: endpoints, or resources of mixed kinds."""
    return run.resources if run.scale == "resources" else run.endpoints


def summarize(runs: Sequence[BenchRun]) -> list[Summary]:
    """One summary per scenario, scale, count and policy, in the order the runs came."""
    groups: dict[tuple[str, Scale, int, str], list[BenchRun]] = {}
    for run in runs:
        groups.setdefault((run.scenario, run.scale, size(run), run.dns_policy), []).append(run)
    found = []
    for (scenario, scale, _, policy), played in groups.items():
        fewest = min(size(r) for r in runs if (r.scenario, r.scale) == (scenario, scale))
        ones = {r.seed: r.rto_seconds for r in groups.get((scenario, scale, fewest, policy), [])}
        ratios = [_ratio(r.rto_seconds, ones.get(r.seed)) for r in played]
        found.append(
            Summary(
                endpoints=played[0].endpoints,
                resources=played[0].resources,
                scale=scale,
                dns_policy=policy,
                scenario=scenario,
                seeds=len(played),
                expected=sum(r.expected for r in played),
                rto_p50=percentile((r.rto_seconds for r in played), 0.5),
                rto_p95=percentile((r.rto_seconds for r in played), 0.95),
                overhead_p50=percentile((r.overhead_ratio for r in played), 0.5),
                overhead_p95=percentile((r.overhead_ratio for r in played), 0.95),
                rto_ratio_to_one_p50=percentile(ratios, 0.5),
                rpo_observed_p50=percentile((r.rpo_observed_seconds for r in played), 0.5),
                rpo_observed_p95=percentile((r.rpo_observed_seconds for r in played), 0.95),
                history_events_max=max(r.history_events for r in played),
                cold_start_share_p50=percentile((_ratio(r.cold_start_seconds, r.rto_seconds) for r in played), 0.5),
                wall_p50=percentile((r.wall_seconds for r in played), 0.5) or 0.0,
            )
        )
    return found


def goals(runs: Sequence[BenchRun], *, rpo_budget_seconds: float) -> list[Goal]:
    """The targets, as far as these runs can tell: overhead near the floor with the fewest endpoints, RTO flat as
    endpoints (or resources of mixed kinds) grow, following capacity at most half the time of scaling fully first,
    and histories far from Step Functions' limit (primary-outage runs); then the RPO observed, within the plan's
    budget after a failover and nothing after a planned switchover."""
    found: list[Goal] = []
    outage = [r for r in runs if r.scenario == "primary-outage"]
    for scale in dict.fromkeys(r.scale for r in outage):
        scaled = [r for r in outage if r.scale == scale]
        found += _endpoint_goals(scaled) if scale == "endpoints" else _resource_goals(scaled)
    return found + _rpo_goals(runs, rpo_budget_seconds)


def _rpo_goals(runs: Sequence[BenchRun], budget: float) -> list[Goal]:
    """Observed RPO p95 of the failovers within the plan's budget; the largest of the planned switchovers 0. A run
    with no observation (its writer did not move) leaves the goal unmet: unknown is not within budget."""
    found: list[Goal] = []
    if observed := _observed(runs, "primary-outage"):
        value = percentile(observed, 0.95)
        met = None not in observed and value is not None and value <= budget
        name = "primary-outage: observed RPO p95 (s), within the plan's rpo_budget_seconds"
        found.append(Goal(name=name, target=f"<= {budget:g}", value=value, met=met))
    if observed := _observed(runs, "planned-switchover"):
        value = max((v for v in observed if v is not None), default=None)
        met = None not in observed and value == 0
        found.append(Goal(name="planned-switchover: observed RPO max (s)", target="== 0", value=value, met=met))
    return found


def _observed(runs: Sequence[BenchRun], scenario: BenchScenario) -> list[float | None]:
    return [r.rpo_observed_seconds for r in runs if r.scenario == scenario]


def _endpoint_goals(runs: Sequence[BenchRun]) -> list[Goal]:
    summary = {(s.endpoints, s.dns_policy): s for s in summarize(runs)}
    counts = sorted({r.endpoints for r in runs})
    policies = _policies(runs)
    few, most = counts[0], counts[-1]
    found: list[Goal] = []
    if (one := summary.get((few, "scale-then-shift"))) is not None:
        found.append(
            _at_most(f"scale-then-shift: overhead ratio p95 at {few} endpoint(s)", one.overhead_p95, OVERHEAD_P95)
        )
    found += _flat(summary, policies, few, most, "")
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
    return [*found, _history(runs, most, "endpoint(s)")]


def _resource_goals(runs: Sequence[BenchRun]) -> list[Goal]:
    """RTO flat as the plan's resources grow, each kind in turn, and the history far from the limit."""
    summary = {(s.resources, s.dns_policy): s for s in summarize(runs)}
    counts = sorted({r.resources for r in runs})
    few, most = counts[0], counts[-1]
    flat = _flat(summary, _policies(runs), few, most, " mixed")
    return [*flat, _history(runs, most, "mixed resources")]


def _policies(runs: Sequence[BenchRun]) -> list[Policy]:
    return list(dict.fromkeys(r.dns_policy for r in runs))


def _flat(
    summary: dict[tuple[int, str], Summary], policies: list[Policy], few: int, most: int, what: str
) -> list[Goal]:
    """RTO(most) / RTO(few), p50 paired by seed, for each policy: what the application's size costs."""
    if most == few:
        return []
    return [
        _at_most(
            f"{policy}: RTO({most}{what}) / RTO({few}) p50", summary[(most, policy)].rto_ratio_to_one_p50, FLAT_P50
        )
        for policy in policies
    ]


def _history(runs: Sequence[BenchRun], most: int, what: str) -> Goal:
    events = max((r.history_events for r in runs if size(r) == most), default=0)
    return _at_most(f"history events at {most} {what}, share of the limit", events / HISTORY_LIMIT, HISTORY_SHARE)


def _at_most(name: str, value: float | None, target: float) -> Goal:
    return Goal(name=name, target=f"<= {target:.2f}", value=value, met=value is not None and value <= target)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)
