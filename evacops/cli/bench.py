"""`evac bench`: RTO against its floor as the application grows, and cold starts (``evacops.bench``)."""

from __future__ import annotations

import sys
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from evac.domain.plan_inference import MAX_ENDPOINTS
from evac.domain.plan_resources import MAX_RESOURCES
from evacops.bench.runs import COUNTS, POLICIES, RESOURCE_COUNTS, SEEDS, BenchRun, Policy, run_bench, write_json
from evacops.cli.common import DEFAULT_PLAN, PlanOption, fail, load, local_setup
from evacops.cli.render import bench_tables, figure

if TYPE_CHECKING:
    from evacops.bench.summary import Scale

# Piped (make bench > log), the tables get room for every column; in a terminal, its width.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _listed(counts: tuple[int, ...]) -> str:
    return ",".join(map(str, counts))


def _counts(option: str, text: str) -> list[int]:
    """The counts an option lists, or a clear error naming it."""
    try:
        counts = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise fail(f"{option} takes whole numbers, comma-separated: {text!r}") from None
    if not counts or min(counts) < 1:
        raise fail(f"{option} takes counts of 1 or more, comma-separated: {text!r}")
    return counts


def bench(
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the bench report to this file (an evac result, JSON).")
    ] = None,
    endpoints: Annotated[
        str | None,
        typer.Option(
            help=f"Endpoint counts to generate plans for, comma-separated, {MAX_ENDPOINTS} at most (default:"
            f" {_listed(COUNTS)})."
        ),
    ] = None,
    resources: Annotated[
        str | None,
        typer.Option(
            help="Grow the plan's resources: instead of its endpoints: resource counts, comma-separated,"
            f" {MAX_RESOURCES} at most (e.g. "
            f"{_listed(RESOURCE_COUNTS)}), the plan's kinds cycled in its order. --plan must list resources: "
            "(tests/plans/rag-gpu-fleet.yaml has one of each of its seven kinds).",
        ),
    ] = None,
    policy: Annotated[
        list[str] | None,
        typer.Option(help=f"DNS shift policies to run (repeat for more; default: {', '.join(POLICIES)})."),
    ] = None,
    plan: PlanOption = DEFAULT_PLAN,
    seeds: Annotated[
        int,
        typer.Option(
            min=0,
            help="Runs per endpoint count and policy, each drawing the dependencies' latencies within +-50% of the "
            "plan's expectations; 0: one run on the latency table's own figures.",
        ),
    ] = SEEDS,
    seed: Annotated[int, typer.Option(help="The first seed: runs use --seed, --seed + 1, ...")] = 1,
    imports: Annotated[bool, typer.Option(help="Time each handler module's import (cold start).")] = True,
    switchover: Annotated[
        bool,
        typer.Option(
            help="Also play planned-switchover once per seed, at the fewest count with the first policy: its "
            "observed RPO must be 0.",
        ),
    ] = True,
) -> None:
    """Measure RTO against its floor as the application grows, what each run costs, and each handler's cold start.

    Plays the default drill (primary-outage) on the local cloud with plans generated from --plan (1, 10, 50 and 100
    endpoints by default: its own endpoints first, then copies of its first), for each DNS shift policy and each of
    --seeds seeds (20 by default: a seed draws AWS's latencies within +-50% of the plan's expectations, so the
    figures show how near the floor a run stays when AWS is slower or faster than expected). Reports each run's RTO,
    critical path, overhead ratio, time to all traffic, RPO (evac's estimate, what the local cloud's write workload
    actually lost, and the estimate's error), state transitions, Lambda invocations, history events, cold-start time
    and wall time; per count and policy, p50 and p95 of RTO, overhead and observed RPO, and RTO(N)/RTO(1) paired by
    seed; then each handler module's import time (python -X importtime, one fresh interpreter each) as a ratio to
    importing boto3 and aws_lambda_powertools alone; then the goals. Times are modelled seconds on the local
    cloud's virtual clock, whatever the machine's load; wall and import times are the machine's.

    Then planned-switchover, once per seed at the fewest count with the first policy (--no-switchover: not): a
    switchover must lose no write, whatever the size, so one size is enough. The RTO, overhead and history goals
    are judged on the primary-outage runs; the RPO goals are observed RPO p95 <= the plan's rpo_budget_seconds for
    primary-outage and observed RPO max == 0 for planned-switchover. The default bench is 180 drills: about 20
    minutes on two cores, longer when they are busy. Exits 0 when every drill met its expected outcome.

    With --resources, the plans grow the plan's resources: instead (its endpoints stay as they are): the n-th
    resource is a copy of the plan's (n mod k)-th, of k, named <name>-02 and so on, so 50 resources of a plan with
    seven kinds are seven or eight of each, recovered in the runbook's resources stage beside the database and the
    endpoints. Its goals: RTO(most) / RTO(fewest) p50 <= 1.03 for each policy, and the largest history far from
    Step Functions' limit. A drill with 50 resources takes about a minute of wall time.

    Examples:

      evac bench --json bench.json

      evac bench --endpoints 1,10 --seeds 5 --policy follow-capacity --no-imports

      evac bench --plan tests/plans/eu-search.yaml --endpoints 3 --no-imports

      evac bench --resources 1,10,50 --plan tests/plans/rag-gpu-fleet.yaml --seeds 3 --policy scale-then-shift

    """
    loaded = load(plan, local=True)
    if endpoints is not None and resources is not None:
        raise fail("choose --endpoints or --resources: the bench grows one of them")
    what: Scale = "resources" if resources is not None else "endpoints"
    asked = resources if resources is not None else endpoints or _listed(COUNTS)
    counts = _counts(f"--{what}", asked)
    most = MAX_RESOURCES if what == "resources" else MAX_ENDPOINTS
    if max(counts) > most:
        raise fail(f"--{what}: a plan has at most {most} {what} (docs/plan.md): {asked}")
    if what == "resources" and not loaded.resources:
        raise fail(
            f"--resources grows the plan's resources:, and {plan} lists none; "
            "e.g. --plan tests/plans/rag-gpu-fleet.yaml"
        )
    chosen = policy or list(POLICIES)
    if unknown := [p for p in chosen if p not in POLICIES]:
        raise fail(f"unknown --policy {', '.join(unknown)}; choose from {', '.join(POLICIES)}")
    of = "resource(s) of mixed kinds" if what == "resources" else "endpoint(s)"
    then = f", then planned-switchover with {min(counts)}" if switchover else ""
    console.print(
        f"[bold]evac bench[/]: primary-outage with {asked} {of}{then} of {loaded.application}, in virtual time"
    )

    def progress(run: BenchRun) -> None:
        count, unit = (run.resources, "resource(s)") if run.scale == "resources" else (run.endpoints, "endpoint(s)")
        played = "" if run.scenario == "primary-outage" else f"{run.scenario} "
        console.print(
            f"  {count:3d} {unit} {played}{run.dns_policy:16s} seed {run.seed} {run.status:9s} "
            f"RTO {figure(run.rto_seconds)} RPO observed {figure(run.rpo_observed_seconds, 2)} "
            f"({run.wall_seconds:.1f} s wall)"
        )

    policies: list[Policy] = [p for p in POLICIES if p in chosen]
    with local_setup():
        drawn = list(range(seed, seed + seeds)) if seeds else [None]
        report = run_bench(
            counts,
            policies,
            seeds=drawn,
            imports=imports,
            plan=loaded,
            on_run=progress,
            scale=what,
            switchover=switchover,
        )
    bench_tables(console, report)
    if json_path:
        write_json(report, json_path)
        console.print(f"written: {json_path}")
    raise typer.Exit(0 if all(r.expected for r in report.runs) else 1)
