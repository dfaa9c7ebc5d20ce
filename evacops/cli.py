"""The `evac` command: drills on the local cloud, and the recovery plan. It parses arguments and prints; the engine
is ``evacops.drill``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evac.errors import PlanError
from evacops.decide import decide as evaluate
from evacops.drill import SCENARIOS, DrillReport, run_drill
from evacops.localcloud.clock import DEFAULT_SPEED

app = typer.Typer(
    help="evac fails an AI application over to its secondary AWS region and proves it recovered.\n\n"
    "Drills run on the local cloud (moto, two regions, one process) by default: the real template.yaml, the real "
    "state machine and the real Lambda handlers, on a scaled clock.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
plan_app = typer.Typer(
    help="Check a recovery plan and derive the stack's deploy parameters from it.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

PlanOption = Annotated[Path, typer.Option("--plan", help="The recovery plan (YAML or JSON).", show_default=True)]

# What the progress shows: the steps people recognise, not every Choice.
_SHOWN = {"TaskStateEntered", "ParallelStateEntered", "WaitStateEntered", "FailStateEntered", "SucceedStateEntered"}
_EXECUTION_END = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}


def _scenario_help() -> str:
    return "; ".join(f"{name}: {s.summary}" for name, s in SCENARIOS.items())


@app.command()
def drill(
    scenario: Annotated[
        str, typer.Option("--scenario", "-s", help=f"What to rehearse. {_scenario_help()}")
    ] = "primary-outage",
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the drill report (DESIGN.md's contract) to this file.")
    ] = None,
    plan: PlanOption = DEFAULT_PLAN,
    speed: Annotated[
        float, typer.Option(help="Modelled seconds per wall second on the local cloud.", min=1.0)
    ] = DEFAULT_SPEED,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live progress, just the summary.")] = False,
) -> None:
    """Run a failover drill on the local cloud and verify its outcome.

    Exits 0 only when the scenario's expected outcome was verified (writer, DNS, capacity, one runbook, a run
    record, the lock released). Times are modelled seconds.

    Examples:

      evac drill                                       # primary-outage, the default

      evac drill --scenario planned-switchover --json r.json
    """
    if scenario not in SCENARIOS:
        errors.print(f"[red]unknown scenario {scenario!r}[/]; choose one of: {', '.join(SCENARIOS)}")
        raise typer.Exit(2)
    try:
        load_plan(plan)
    except PlanError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print(f"[bold]evac drill[/] {scenario}: {SCENARIOS[scenario].summary}")
    console.print(f"local cloud: plan {plan}, {speed:g} modelled s per wall s\n")

    def progress(at: float, event: dict) -> None:
        kind = event["type"]
        if kind in _SHOWN:
            name = event.get("stateEnteredEventDetails", {}).get("name", "")
            console.print(f"  [dim]{at:+8.1f}s[/]  {kind.removesuffix('StateEntered').lower():9s} {name}")
        elif kind in _EXECUTION_END:
            console.print(f"  [dim]{at:+8.1f}s[/]  [bold]{kind.removeprefix('Execution').lower()}[/]")

    report = run_drill(scenario, plan_path=plan, speed=speed, on_event=None if quiet else progress)
    if json_path:
        report.report_files.append(str(json_path))
        json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    _summary(report)
    raise typer.Exit(0 if report.expected else 1)


def _summary(report: DrillReport) -> None:
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
        "writer region": report.writer_region or "-",
        "DNS region": report.dns_region or "split / none",
        "runbooks started": str(report.executions),
        "wall time": f"{report.wall_seconds:.1f} s",
    }
    for endpoint in report.endpoints:
        rows[f"{endpoint.name} @ {endpoint.region}"] = f"{endpoint.status} x{endpoint.instances}"
    for key, value in rows.items():
        facts.add_row(key, value)
    console.print(facts)
    failed = [c for c in report.checks if not c.ok]
    if report.error:
        console.print(f"[red]runbook error:[/] {report.error}")
    if failed:
        for check in failed:
            console.print(f"[red]✗ {check.name}[/]: {check.detail}")
        console.print("[red bold]expected outcome NOT verified[/]")
    else:
        console.print(f"[green bold]✓ expected outcome verified[/] ({len(report.checks)} checks)")


def _seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} s"


@app.command()
def decide(
    event: Annotated[
        Path, typer.Option("--event", "-e", help="An alarm event (JSON), e.g. events/alarm-health-check.json.")
    ],
    plan: PlanOption = DEFAULT_PLAN,
    alarming: Annotated[
        list[str] | None,
        typer.Option("--alarming", "-a", help="Assume this plan alarm is in ALARM too (repeat for more)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """What would happen if this alarm fired? Prints start, wait, ignore or reject, the reason and the runbook
    execution it would start. Nothing is called, nothing changes.

    The event's alarm is assumed to hold through the plan's sustain window and every other alarm to be OK (unless
    named with --alarming); the failing region still writes, no failover happened recently, nothing is paused.

    Examples:

      evac decide --event events/alarm-inference-5xx.json

      evac decide -e events/alarm-inference-5xx.json --alarming fraud-scoring-health-check --json
    """
    try:
        loaded = load_plan(plan)
        document = json.loads(event.read_text(encoding="utf-8"))
    except PlanError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    except (OSError, json.JSONDecodeError) as exc:
        errors.print(f"[red]cannot read {event}: {exc}[/]")
        raise typer.Exit(2) from None
    unknown = [name for name in alarming or [] if loaded.alarm(name) is None]
    if unknown:
        errors.print(f"[red]--alarming names alarms that are not in the plan: {', '.join(unknown)}[/]")
        raise typer.Exit(2)
    answer = evaluate(document, loaded, alarming=alarming or [])
    if json_output:
        print(answer.model_dump_json(indent=2))
        return
    colour = {"start": "green", "wait": "yellow", "ignore": "dim", "reject": "red"}[answer.decision]
    console.print(f"[bold {colour}]{answer.decision}[/]: {answer.reason}")
    if answer.execution:
        console.print(f"would start runbook execution [bold]{answer.execution}[/] in {answer.stack_region}")
    elif answer.incident:
        console.print(f"incident {answer.incident} (stack in {answer.stack_region}) waits for more alarms")


@plan_app.command("check")
def plan_check(plan: Annotated[Path, typer.Argument(help="The recovery plan to validate.")] = DEFAULT_PLAN) -> None:
    """Validate a recovery plan; errors name the bad field's path."""
    try:
        loaded = load_plan(plan)
    except PlanError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print(
        f"[green]✓[/] {plan}: {loaded.application}, {loaded.regions.primary} -> {loaded.regions.secondary}, "
        f"{len(loaded.inference.endpoints)} endpoint(s), {len(loaded.alarms)} alarm(s)"
    )


@plan_app.command("params")
def plan_params(
    region: Annotated[str, typer.Option(help="The region this stack is deployed to.")],
    hosted_zone_id: Annotated[str, typer.Option(help="The Route 53 hosted zone id of the plan's record.")],
    plan: PlanOption = DEFAULT_PLAN,
) -> None:
    """Print `sam deploy --parameter-overrides` for the stack in REGION, derived from the plan."""
    try:
        loaded = load_plan(plan)
        peer = loaded.peer(region)
    except PlanError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    bundled = (
        plan.resolve().relative_to(DEFAULT_PLAN.parent.parent.parent)
        if plan.resolve().is_relative_to(DEFAULT_PLAN.parent.parent.parent)
        else None
    )
    parts = [
        f"Application={loaded.application}",
        f"PeerRegion={peer}",
        f"TriggerAlarmNames={','.join(a.name for a in loaded.alarms)}",
        f"HostedZoneId={hosted_zone_id}",
    ]
    if bundled is not None:
        parts.append(f"PlanFile={bundled}")
    print(" ".join(parts))


if __name__ == "__main__":
    app()
