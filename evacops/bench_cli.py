"""`evac bench`: parses its options, runs ``evacops.bench`` and prints the tables (registered in ``evacops.cli``)."""

from __future__ import annotations

import sys
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from evacops.bench import COUNTS, POLICIES, BenchReport, BenchRun, Policy, run_bench, write_json
from evacops.localcloud.clock import DEFAULT_SPEED

# Piped (make bench > log), the tables get room for every column; in a terminal, its width.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def bench(
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the bench report (JSON) to this file.")
    ] = None,
    endpoints: Annotated[
        str, typer.Option(help="Endpoint counts to generate plans for, comma-separated.")
    ] = ",".join(map(str, COUNTS)),
    policy: Annotated[
        list[str] | None,
        typer.Option(help=f"DNS shift policies to run (repeat for more; default: {', '.join(POLICIES)})."),
    ] = None,
    speed: Annotated[
        float, typer.Option(help="Modelled seconds per wall second on the local cloud.", min=1.0)
    ] = DEFAULT_SPEED,
    imports: Annotated[bool, typer.Option(help="Time each handler module's import (cold start).")] = True,
) -> None:
    """Measure RTO against its floor as the application grows, what each run costs, and each handler's cold start.

    Plays the default drill (primary-outage) on the local cloud with plans generated from the bundled one (1, 10
    and 50 endpoints by default), once per DNS shift policy, and reports each run's RTO, critical path, overhead
    ratio, time to all traffic, state transitions, Lambda invocations and wall time; then each handler module's
    import time (python -X importtime, one fresh interpreter each) as a ratio to importing boto3 and
    aws_lambda_powertools alone. Times are modelled seconds, except wall and import times; compare ratios within one
    run, since the machine's load moves absolute figures. Exits 0 when every drill met its expected outcome.

    Examples:

      evac bench --json bench.json

      evac bench --endpoints 1,10 --policy follow-capacity --no-imports
    """
    try:
        counts = [int(n) for n in endpoints.split(",") if n.strip()]
    except ValueError:
        console.print(f"[red]--endpoints takes whole numbers, comma-separated: {endpoints!r}[/]")
        raise typer.Exit(2) from None
    chosen = policy or list(POLICIES)
    if unknown := [p for p in chosen if p not in POLICIES]:
        console.print(f"[red]unknown --policy {', '.join(unknown)}[/]; choose from {', '.join(POLICIES)}")
        raise typer.Exit(2)
    console.print(f"[bold]evac bench[/]: primary-outage with {endpoints} endpoint(s), {speed:g} modelled s per wall s")

    def progress(run: BenchRun) -> None:
        console.print(
            f"  {run.endpoints:3d} endpoint(s) {run.dns_policy:16s} {run.status:9s} RTO {_s(run.rto_seconds)} "
            f"({run.wall_seconds:.1f} s wall)"
        )

    policies: list[Policy] = [p for p in POLICIES if p in chosen]
    report = run_bench(counts, policies, speed=speed, imports=imports, on_run=progress)
    _tables(report)
    if json_path:
        write_json(report, json_path)
        console.print(f"written: {json_path}")
    raise typer.Exit(0 if all(r.expected for r in report.runs) else 1)


def _tables(report: BenchReport) -> None:
    runs = Table(title="runs (modelled seconds)", title_justify="left")
    for column in ("endpoints", "DNS shift", "RTO", "critical path", "overhead", "all traffic", "transitions"):
        runs.add_column(column, justify="left" if column == "DNS shift" else "right")
    runs.add_column("invocations", justify="right")
    runs.add_column("wall (s)", justify="right")
    for run in report.runs:
        runs.add_row(
            str(run.endpoints),
            run.dns_policy,
            _s(run.rto_seconds),
            _s(run.critical_path_seconds),
            f"{run.overhead_ratio:.3f}" if run.overhead_ratio else "-",
            _s(run.full_capacity_seconds),
            str(run.state_transitions),
            str(run.lambda_invocations),
            f"{run.wall_seconds:.1f}",
        )
    console.print()
    console.print(runs)
    if report.imports:
        imports = Table(
            title=f"handler imports (boto3 + aws_lambda_powertools alone: {report.baseline_import_seconds:.3f} s)",
            title_justify="left",
        )
        for column in ("module", "seconds", "ratio"):
            imports.add_column(column, justify="left" if column == "module" else "right")
        for timed in report.imports:
            imports.add_row(timed.module, f"{timed.seconds:.3f}", f"{timed.ratio:.2f}")
        console.print(imports)
    goals = Table(title="goals", title_justify="left")
    for column in ("goal", "target", "measured", ""):
        goals.add_column(column, justify="left" if column == "goal" else "right")
    for goal in report.goals:
        mark = "[green]✓[/]" if goal.met else "[red]✗[/]"
        goals.add_row(goal.name, goal.target, f"{goal.value:.3f}" if goal.value is not None else "-", mark)
    console.print(goals)


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
