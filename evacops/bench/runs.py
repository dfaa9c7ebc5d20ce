"""The bench: how close a failover comes to its physical floor as the application grows, what a run costs, and what
each Lambda handler costs to start.

``run_bench()`` plays the default drill (``primary-outage``) on plans generated from the bundled one with 1, 10, 50
and 100 endpoints (or, with ``scale="resources"``, with 1, 10 and 50 of the plan's ``resources:``, its kinds
cycled), once per DNS shift policy and seed, each seed drawing the dependencies' latencies within +-50 % of the
plan's expectations (``Latencies.around``), and reports each run's RTO, critical path (from what was drawn),
overhead ratio, state transitions and Lambda invocations (what Step Functions and Lambda bill for), history events,
cold-start time and wall time; ``summary`` gives their p50 and p95 (``evacops.bench.summary``); then each handler
module's import time (``python -X importtime``, one fresh interpreter per module, as in a Lambda cold start) as a
ratio to importing boto3 and Powertools alone. Times are modelled seconds on the local cloud's virtual clock, so they
do not depend on the machine's load; wall and import times are the machine's.
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
COUNTS = (1, 10, 50, 100)
RESOURCE_COUNTS = (1, 10, 50)  # resources of mixed kinds (the plan's own kinds, cycled)
SEEDS = 20  # runs per endpoint count and policy, each with its own draw
POLICIES: tuple[Policy, ...] = ("scale-then-shift", "follow-capacity")


class BenchRun(BaseModel):
    endpoints: int
    resources: int = Field(default=0, description="the plan's resources: (mixed kinds)")
    scale: Scale = Field(default="endpoints", description="what the bench grew: endpoints, or resources of mixed kinds")
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
) -> BenchReport:
    """Play the default drill for each count, policy and seed on plans derived from ``plan`` (the bundled plan by
    default), then time each handler's import. A count is of endpoints, or with ``scale="resources"`` of the plan's
    resources (its kinds cycled: ``derive``); the plan must then list some. A seed draws the latencies around the
    plan's expectations; None plays the latency table's own figures."""
    base = plan or load_plan(DEFAULT_PLAN)
    if scale == "resources" and not base.resources:
        raise ValueError(f"{base.application}'s plan lists no resources: to scale; choose a plan with resources:")
    runs = []
    for count in counts:
        for policy in policies:
            shift = FOLLOW_CAPACITY if policy == "follow-capacity" else None
            sized = {"resources": count} if scale == "resources" else {"endpoints": count}
            derived = derive(base, shift=shift, **sized)
            for seed in seeds:
                drawn = None if seed is None else Latencies().around(base.expectations, seed)
                run = _run(derived, scale, policy, seed, drawn)
                runs.append(run)
                if on_run:
                    on_run(run)
    timed, baseline = (import_times(), import_seconds(BASELINE)) if imports else ([], None)
    return BenchReport(
        runs=runs, summary=summarize(runs), imports=timed, baseline_import_seconds=baseline, goals=goals(runs)
    )


def _run(plan: RecoveryPlan, scale: Scale, policy: Policy, seed: int | None, drawn: Latencies | None) -> BenchRun:
    report = run_drill("primary-outage", plan=plan, seed=seed, latencies=drawn)
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
