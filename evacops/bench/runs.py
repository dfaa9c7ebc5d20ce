"""The bench: how close a failover comes to its physical floor as the application grows, what a run costs, and what
each Lambda handler costs to start.

``run_bench()`` plays the default drill (``primary-outage``) on plans generated from the bundled one with 1, 10, 50
and 100 endpoints (or, with ``scale="resources"``, with 1, 10 and 50 of the plan's ``resources:``, its kinds
cycled), once per DNS shift policy and seed, each seed drawing the dependencies' latencies within +-50 % of the
plan's expectations (``Latencies.around``); then ``planned-switchover`` once per seed at the fewest count with the
first policy (what a switchover's observed RPO, 0, is judged on: it does not depend on the size). It reports each
run's RTO, critical path (from what was drawn), overhead ratio, RPO (evac's estimate, what the local cloud's write
workload lost, and the difference), state transitions and Lambda invocations (what Step Functions and Lambda bill
for), history events, cold-start time and wall time; ``summary`` gives their p50 and p95 (``evacops.bench.summary``);
then each handler module's import time (``python -X importtime``, one fresh interpreter per module, as in a Lambda
cold start) as a ratio to importing boto3 and Powertools alone. Times are modelled seconds on the local cloud's
virtual clock, so they do not depend on the machine's load; wall and import times are the machine's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.bench.cold_start import BASELINE, ImportTime, import_seconds, import_times
from evacops.bench.summary import Goal, Scale, Summary, goals, summarize
from evacops.drill.engine import run_drill
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.journal import Journaled
from evacops.localcloud.fidelity import Latencies

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from evac.domain.plan import RecoveryPlan

Policy = Literal["scale-then-shift", "follow-capacity"]
BenchScenario = Literal["primary-outage", "planned-switchover"]
COUNTS = (1, 10, 50, 100)
RESOURCE_COUNTS = (1, 10, 50)  # resources of mixed kinds (the plan's own kinds, cycled)
SEEDS = 20  # runs per endpoint count and policy, each with its own draw
POLICIES: tuple[Policy, ...] = ("scale-then-shift", "follow-capacity")


class BenchRun(BaseModel):
    endpoints: int
    resources: int = Field(default=0, description="the plan's resources: (mixed kinds)")
    scale: Scale = Field(default="endpoints", description="what the bench grew: endpoints, or resources of mixed kinds")
    dns_policy: Policy
    scenario: BenchScenario = Field(
        default="primary-outage",
        description="the drill played: primary-outage (every goal but the switchover's RPO) or planned-switchover",
    )
    seed: int | None = Field(default=None, description="what drew the run's latencies; null: the table's figures")
    status: str
    expected: bool = Field(description="the drill's expected outcome was verified")
    rto_seconds: float | None
    critical_path_seconds: float | None
    overhead_ratio: float | None
    full_capacity_seconds: float | None
    rpo_seconds: float | None = Field(
        default=None, description="evac's RPO estimate, as recorded (the replication lag it read; 0 for a switchover)"
    )
    rpo_observed_seconds: float | None = Field(
        default=None,
        description="the age of the newest write the new writer lacks, from the local cloud's write workload "
        "(0: nothing lost); null if the writer did not move",
    )
    rpo_error_seconds: float | None = Field(
        default=None, description="rpo_seconds - rpo_observed_seconds (positive: the estimate was pessimistic)"
    )
    state_transitions: int
    lambda_invocations: int
    history_events: int = Field(default=0, description="the largest runbook execution's history, in events")
    cold_start_seconds: float | None = Field(default=None, description="Lambda INIT time charged within the RTO")
    wall_seconds: float
    phases: dict[str, float] = Field(default_factory=dict, description="each phase's modelled seconds: what grows")


class BenchReport(Journaled):
    kind: Literal["bench"] = "bench"
    clock: Literal["virtual"] = Field(
        default="virtual", description="modelled time advances only when the local cloud waits: figures are the model's"
    )
    runs: list[BenchRun]
    summary: list[Summary] = Field(default_factory=list, description="p50 and p95 over the seeds, per count and policy")
    imports: list[ImportTime]
    baseline_import_seconds: float | None
    rpo_budget_seconds: float | None = Field(
        default=None, description="the plan's rpo_budget_seconds: what the primary-outage RPO goal is judged against"
    )
    goals: list[Goal]


def run_bench(
    counts: Iterable[int] = COUNTS,
    policies: Iterable[Policy] = POLICIES,
    *,
    seeds: Sequence[int | None] = (None,),
    imports: bool = True,
    plan: RecoveryPlan | None = None,
    on_run: Callable[[BenchRun], None] | None = None,
    scale: Scale = "endpoints",
    switchover: bool = True,
) -> BenchReport:
    """Play the default drill for each count, policy and seed on plans derived from ``plan`` (the bundled plan by
    default), then time each handler's import. A count is of endpoints, or with ``scale="resources"`` of the plan's
    resources (its kinds cycled: ``derive``); the plan must then list some. A seed draws the latencies around the
    plan's expectations; None plays the latency table's own figures. With ``switchover``, planned-switchover is then
    played once per seed at the fewest count with the first policy."""
    base = plan or load_plan(DEFAULT_PLAN)
    if scale == "resources" and not base.resources:
        raise ValueError(f"{base.application}'s plan lists no resources: to scale; choose a plan with resources:")
    counts, policies = list(counts), list(policies)
    played: list[tuple[BenchScenario, int, Policy]] = [("primary-outage", c, p) for c in counts for p in policies]
    if switchover and counts and policies:
        played.append(("planned-switchover", min(counts), policies[0]))
    runs = []
    for scenario, count, policy in played:
        shift = FOLLOW_CAPACITY if policy == "follow-capacity" else None
        sized = {"resources": count} if scale == "resources" else {"endpoints": count}
        derived = derive(base, shift=shift, **sized)
        for seed in seeds:
            drawn = None if seed is None else Latencies().around(base.expectations, seed)
            run = _run(scenario, derived, scale, policy, seed, drawn)
            runs.append(run)
            if on_run:
                on_run(run)
    timed, baseline = (import_times(), import_seconds(BASELINE)) if imports else ([], None)
    budget = base.rpo_budget_seconds
    return BenchReport(
        runs=runs,
        summary=summarize(runs),
        imports=timed,
        baseline_import_seconds=baseline,
        rpo_budget_seconds=budget,
        goals=goals(runs, rpo_budget_seconds=budget),
    )


def _run(
    scenario: BenchScenario,
    plan: RecoveryPlan,
    scale: Scale,
    policy: Policy,
    seed: int | None,
    drawn: Latencies | None,
) -> BenchRun:
    report = run_drill(scenario, plan=plan, seed=seed, latencies=drawn)
    # what a run is, as its drill report says it (the same names: the bench's JSON reads as the drill's), but the
    # endpoints and resources (counts here, each one there) and the phases (seconds by name here)
    differ = {"endpoints", "resources", "scale", "dns_policy", "phases"}
    same = (BenchRun.model_fields.keys() & type(report).model_fields.keys()) - differ
    return BenchRun(
        endpoints=len(plan.inference.endpoints),
        resources=len(plan.resources),
        scale=scale,
        dns_policy=policy,
        phases={phase.name: phase.seconds for phase in report.phases},
        **{name: getattr(report, name) for name in same},
    )


def write_json(report: BenchReport, path: Path) -> None:
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
