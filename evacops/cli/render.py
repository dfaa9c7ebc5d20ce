"""How `evac` shows results to people: rich tables and summaries (the `--json` files are for machines)."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from rich.table import Table

from evacops.bench.summary import size_cell, size_column
from evacops.chaos.matrix import group_totals
from evacops.chaos.sites import KINDS

if TYPE_CHECKING:
    from rich.console import Console

    from evac.domain.models import Readiness
    from evacops.bench.runs import BenchReport
    from evacops.bench.summary import Summary
    from evacops.chaos.matrix import Matrix, Result
    from evacops.drill.catalog import ScenarioEntry
    from evacops.drill.report import DrillReport


def drill_summary(console: Console, report: DrillReport) -> None:
    """The drill's phases, what it measured, and its verdict."""
    phases = Table(title=f"{report.scenario}: {report.status}", title_justify="left")
    for column in ("phase", "start (s)", "end (s)", "seconds"):
        phases.add_column(column, justify="left" if column == "phase" else "right")
    for phase in report.phases:
        phases.add_row(phase.name, f"{phase.start:.1f}", f"{phase.end:.1f}", f"{phase.seconds:.1f}")
    console.print()
    console.print(phases)
    facts = Table(show_header=False, box=None)
    facts.add_column(style="bold")
    facts.add_column()
    rows = {
        "strategy": report.strategy or "-",
        "RTO": _seconds(report.rto_seconds),
        "critical path": _seconds(report.critical_path_seconds),
        "overhead ratio": f"{report.overhead_ratio:.3f}" if report.overhead_ratio else "-",
        "RPO estimate": _seconds(report.rpo_seconds),
        "RPO observed": _rpo_observed(report),
        "DNS shift": report.dns_policy or "-",
        "traffic moves": " → ".join(f"{t.share}% @ {t.submitted:.0f} s" for t in report.traffic) or "-",
        "all traffic": _seconds(report.full_capacity_seconds),
        "writer region": report.writer_region or "-",
        "DNS region": report.dns_region or "split / none",
        "runbooks started": str(report.executions),
        "wall time": f"{report.wall_seconds:.1f} s",
        "state transitions": str(report.state_transitions),
        "Lambda invocations": str(report.lambda_invocations),
        "history events": str(report.history_events),
    }
    for endpoint in report.endpoints:
        shape = f"{endpoint.status} x{endpoint.instances}"
        rows[f"{endpoint.name} @ {endpoint.region}"] = f"{shape} {endpoint.instance_type or ''}".rstrip()
    for key, value in rows.items():
        facts.add_row(key, value)
    console.print(facts)
    failed = [c for c in report.checks if not c.ok]
    if report.error:
        console.print(f"[red]runbook error:[/] {report.error}" + (f": {report.cause}" if report.cause else ""))
    if failed:
        for check in failed:
            console.print(f"[red]✗ {check.name}[/]: {check.detail}")
        console.print("[red bold]expected outcome NOT verified[/]")
    else:
        console.print(f"[green bold]✓ expected outcome verified[/] ({len(report.checks)} checks)")


MARK = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "unknown": "[yellow]?[/]"}


def scenario_table(console: Console, entries: list[ScenarioEntry]) -> None:
    """`evac drill --list`: one row per registered scenario."""
    table = Table(title="evac drill scenarios (evac drill --scenario NAME)", show_lines=True, title_justify="left")
    table.add_column("scenario", style="bold", no_wrap=True)
    table.add_column("what it rehearses", ratio=3)
    table.add_column("expected outcome", ratio=1)
    table.add_column("checks", ratio=2)
    for entry in entries:
        table.add_row(entry.name, entry.rehearses, entry.expected, ", ".join(entry.checks))
    console.print(table)


def readiness_summary(console: Console, report: Readiness) -> None:
    """Every readiness check, the remediation of each finding, and whether the target is ready."""
    table = Table(
        title=f"{report.application}: can {report.target_region} serve as {report.source_region} does?",
        title_justify="left",
    )
    for column in ("", "check", "severity", "evidence"):
        table.add_column(column, overflow="fold")
    for check in report.checks:
        name = f"{check.name}\n[dim]{check.resource}[/]" if check.resource else check.name
        table.add_row(MARK[check.status], name, check.severity, check.evidence)
    console.print(table)
    for check in report.findings:
        if check.remediation:
            console.print(f"{MARK[check.status]} [bold]{check.name}[/] {check.resource}: {check.remediation}")
    services = len({c.name.split(".")[0] for c in report.checks})
    verdict = "[green bold]ready[/]" if report.ready else "[red bold]NOT ready[/]"
    console.print(f"{verdict}: {len(report.checks)} checks across {services} services, {len(report.findings)} findings")


def chaos_summary(console: Console, matrix: Matrix) -> None:
    """The outcome per call site and fault kind, and the totals by fault kind."""
    title = "outcome per call site (S succeeded, F failed, A aborted; first call / later poll)"
    sites = Table(title=title, title_justify="left")
    sites.add_column("call site")
    for kind in KINDS:
        sites.add_column(kind, justify="center")
    by_site: dict[str, dict[str, list[Result]]] = {}
    for result in matrix.results:
        by_site.setdefault(f"{result.scenario}: {result.site}", {}).setdefault(result.kind, []).append(result)
    for site, kinds in by_site.items():
        cells = []
        for kind in KINDS:
            found = kinds.get(kind, [])
            text = " / ".join(r.status[0] for r in found) or "-"
            cells.append(f"[red]{text}[/]" if any(r.violations for r in found) else text)
        sites.add_row(site, *cells)
    console.print()
    console.print(sites)
    totals = Table(title="totals by fault kind", title_justify="left")
    columns = ("scenarios", "SUCCEEDED", "FAILED", "ABORTED", "SKIPPED", "clean", "escalated", "violated")
    totals.add_column("fault")
    for column in columns:
        totals.add_column(column, justify="right")
    rows = matrix.totals()
    for fault, row in rows.items():
        totals.add_row(fault, *(str(row.get(c, 0)) for c in columns))
    totals.add_row("[bold]all[/]", *(f"[bold]{sum(r.get(c, 0) for r in rows.values())}[/]" for c in columns))
    console.print(totals)
    groups = group_totals(asdict(r) for r in matrix.results)
    shown = (f"{group} {row['scenarios']} ({row['violated']} violated)" for group, row in groups.items())
    console.print("by site group: " + ", ".join(shown))
    for result in matrix.results:
        if result.outcome == "escalated":
            console.print(f"  [yellow]escalated[/] {result.id}: {result.reason}")
    if matrix.controls:
        controls = Table(title="negative controls (a seeded violation each invariant must catch)", title_justify="left")
        for column in ("control", "invariant", "seeded", "caught"):
            controls.add_column(column)
        for control in matrix.controls:
            controls.add_row(control.name, control.catches, control.seeded, "yes" if control.caught else "[red]NO[/]")
        console.print(controls)
    caught = sum(c.caught for c in matrix.controls)
    console.print(
        f"{len(matrix.sites)} call sites, {len(matrix.results)} scenarios, {matrix.violations} violation(s), "
        f"negative controls {caught}/{len(matrix.controls)} caught, {matrix.wall_seconds:.0f} s"
    )


def time_left(elapsed: float, done: int, total: int) -> str:
    """What is left of a long run at the pace so far (``elapsed`` wall seconds since it began its first item, ``done``
    items finished of ``total``): "~3 min left" after 4 of 10 in 120 s, "~20 s left" after 1 of 3 in 10 s, and ""
    before any pace is known or once all are done."""
    if done <= 0 or done >= total or elapsed <= 0:
        return ""
    left = elapsed / done * (total - done)
    return f"~{round(left / 60)} min left" if left >= 90 else f"~{round(left)} s left"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def bench_tables(console: Console, report: BenchReport) -> None:
    """The bench's figures over its seeds (each run is in the JSON), handler imports and goals."""
    counted = size_column(report.summary)
    for scenario in dict.fromkeys(row.scenario for row in report.summary):
        console.print()
        console.print(_bench_runs([r for r in report.summary if r.scenario == scenario], scenario, counted))
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


def _bench_runs(summary: list[Summary], scenario: str, counted: str) -> Table:
    """One scenario's rows over their seeds: each count and DNS policy."""
    runs = Table(title=f"{scenario} over its seeds (modelled seconds; p50 / p95)", title_justify="left")
    runs.add_column(counted, justify="right", min_width=len("endpoints"))
    runs.add_column("DNS shift", no_wrap=True, min_width=len("scale-then-shift"))
    for column in ("seeds", "RTO p50", "RTO p95", "overhead p50", "overhead p95"):
        runs.add_column(column, justify="right")
    for column in ("RTO(N)/RTO(1) p50", "RPO obs p50", "RPO obs p95", "history max", "cold starts p50", "wall p50 (s)"):
        runs.add_column(column, justify="right")
    for row in summary:
        runs.add_row(
            size_cell(row, counted),
            row.dns_policy,
            f"{row.seeds}"
            if row.expected == row.seeds
            else f"{row.seeds} ([red]{row.seeds - row.expected} not as expected[/])",
            figure(row.rto_p50),
            figure(row.rto_p95),
            ratio(row.overhead_p50),
            ratio(row.overhead_p95),
            ratio(row.rto_ratio_to_one_p50),
            figure(row.rpo_observed_p50, 2),
            figure(row.rpo_observed_p95, 2),
            str(row.history_events_max),
            "-" if row.cold_start_share_p50 is None else f"{row.cold_start_share_p50:.1%}",
            f"{row.wall_p50:.1f}",
        )
    return runs


def _seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} s"


def figure(value: float | None, digits: int = 1) -> str:
    """A modelled time as a bare figure ("-" if unknown), for table cells."""
    return "-" if value is None else f"{value:.{digits}f}"


def _rpo_observed(report: DrillReport) -> str:
    """What the writer's move lost, and how far evac's estimate was from it."""
    if report.rpo_observed_seconds is None:
        return "-"
    error = f" (estimate off by {report.rpo_error_seconds:+.2f} s)" if report.rpo_error_seconds is not None else ""
    return f"{report.rpo_observed_seconds:.2f} s{error}"
