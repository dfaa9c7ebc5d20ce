"""The bench: how close a failover comes to its physical floor as the application grows, what a run costs, and what
each Lambda handler costs to start.

``run_bench()`` plays the default drill (``primary-outage``) on plans generated from the bundled one with 1, 10 and
50 endpoints, once per DNS shift policy, and reports each run's RTO, critical path, overhead ratio, state transitions
and Lambda invocations (what Step Functions and Lambda bill for) and wall time; then each handler module's import
time (``python -X importtime``, one fresh interpreter per module, as in a Lambda cold start) as a ratio to importing
boto3 and Powertools alone. Times are modelled seconds on the local cloud's scaled clock, except wall and import
times. Ratios are measured within one bench run: the machine's load changes absolute figures between runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.bench.cold_start import BASELINE, ImportTime, import_seconds, import_times
from evacops.drill.engine import run_drill
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.journal import Journaled

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from evac.domain.plan import RecoveryPlan

Policy = Literal["scale-then-shift", "follow-capacity"]
COUNTS = (1, 10, 50)
POLICIES: tuple[Policy, ...] = ("scale-then-shift", "follow-capacity")


class BenchRun(BaseModel):
    endpoints: int
    dns_policy: Policy
    seed: int | None = Field(default=None, description="what drew the run's latencies; null: the table's figures")
    status: str
    expected: bool = Field(description="the drill's expected outcome was verified")
    rto_seconds: float | None
    critical_path_seconds: float | None
    overhead_ratio: float | None
    full_capacity_seconds: float | None
    state_transitions: int
    lambda_invocations: int
    history_events: int = Field(default=0, description="the largest runbook execution's history, in events")
    wall_seconds: float
    phases: dict[str, float] = Field(default_factory=dict, description="each phase's modelled seconds: what grows")


class Goal(BaseModel):
    name: str
    target: str
    value: float | None
    met: bool


class BenchReport(Journaled):
    kind: Literal["bench"] = "bench"
    clock: Literal["virtual"] = Field(
        default="virtual", description="modelled time advances only when the local cloud waits: figures are the model's"
    )
    runs: list[BenchRun]
    imports: list[ImportTime]
    baseline_import_seconds: float | None
    goals: list[Goal]


def run_bench(
    counts: Iterable[int] = COUNTS,
    policies: Iterable[Policy] = POLICIES,
    *,
    seed: int | None = None,
    imports: bool = True,
    plan: RecoveryPlan | None = None,
    on_run: Callable[[BenchRun], None] | None = None,
) -> BenchReport:
    """Play the default drill for each endpoint count and policy on plans derived from ``plan`` (the bundled plan by
    default), then time each handler's import."""
    base = plan or load_plan(DEFAULT_PLAN)
    runs = []
    for count in counts:
        for policy in policies:
            shift = FOLLOW_CAPACITY if policy == "follow-capacity" else None
            report = run_drill("primary-outage", plan=derive(base, endpoints=count, shift=shift), seed=seed)
            run = BenchRun(
                seed=seed,
                endpoints=count,
                dns_policy=policy,
                status=report.status,
                expected=report.expected,
                rto_seconds=report.rto_seconds,
                critical_path_seconds=report.critical_path_seconds,
                overhead_ratio=report.overhead_ratio,
                full_capacity_seconds=report.full_capacity_seconds,
                state_transitions=report.state_transitions,
                lambda_invocations=report.lambda_invocations,
                history_events=report.history_events,
                wall_seconds=report.wall_seconds,
                phases={phase.name: phase.seconds for phase in report.phases},
            )
            runs.append(run)
            if on_run:
                on_run(run)
    timed, baseline = (import_times(), import_seconds(BASELINE)) if imports else ([], None)
    return BenchReport(runs=runs, imports=timed, baseline_import_seconds=baseline, goals=goals(runs))


def goals(runs: list[BenchRun]) -> list[Goal]:
    """The issue's goals, as far as these runs can tell: RTO flat as endpoints grow, overhead near the floor with one
    endpoint, and traffic following capacity recovering in at most half the time of scaling fully first."""
    found = []
    by = {(r.dns_policy, r.endpoints): r for r in runs}
    counts = sorted({r.endpoints for r in runs})
    policies = [p for p in POLICIES if any(r.dns_policy == p for r in runs)]
    if len(counts) > 1:
        few, most = counts[0], counts[-1]
        for policy in policies:
            ratio = _ratio(by.get((policy, most)), by.get((policy, few)))
            name = f"{policy}: RTO({most}) / RTO({few})"
            found.append(Goal(name=name, target="<= 1.10", value=ratio, met=ratio is not None and ratio <= 1.10))
    if counts and "scale-then-shift" in policies:
        few = counts[0]
        one = by.get(("scale-then-shift", few))
        overhead = one.overhead_ratio if one else None
        found.append(
            Goal(
                name=f"scale-then-shift: overhead ratio at {few} endpoint(s)",
                target="<= 1.05",
                value=overhead,
                met=overhead is not None and overhead <= 1.05,
            )
        )
        for count in counts if "follow-capacity" in policies else []:
            ratio = _ratio(by.get(("follow-capacity", count)), by.get(("scale-then-shift", count)))
            found.append(
                Goal(
                    name=f"RTO follow-capacity / scale-then-shift at {count} endpoint(s)",
                    target="<= 0.50",
                    value=ratio,
                    met=ratio is not None and ratio <= 0.5,
                )
            )
    return found


def _ratio(numerator: BenchRun | None, denominator: BenchRun | None) -> float | None:
    if not numerator or not denominator or not numerator.rto_seconds or not denominator.rto_seconds:
        return None
    return round(numerator.rto_seconds / denominator.rto_seconds, 3)


def write_json(report: BenchReport, path: Path) -> None:
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
