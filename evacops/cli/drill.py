"""`evac drill`: a failover drill on the local cloud (``evacops.drill``), or on a deployed stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from evac.domain.models import RunbookInput
from evacops.chaos.invariants import end_state, end_state_checks
from evacops.cli.common import DEFAULT_PLAN, PlanOption, aws, console, fail, load, local_setup
from evacops.cli.render import drill_summary, scenario_table
from evacops.drill.catalog import catalog
from evacops.drill.engine import run_drill
from evacops.drill.report import Verdict
from evacops.drill.scenarios import SCENARIOS, Options
from evacops.history import HistorySettingError, keep_setting, remember
from evacops.localcloud.faults import GRAMMAR, FaultSpecError, parse_fault
from evacops.reports.folder import default_folder, write_report
from evacops.stack import runbook

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Fault

# What the progress shows: the steps people recognise, not every Choice.
_SHOWN = {"TaskStateEntered", "ParallelStateEntered", "WaitStateEntered", "FailStateEntered", "SucceedStateEntered"}
_EXECUTION_END = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}


STDOUT = Path("-")


def drill(
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario",
            "-s",
            help="What to rehearse: one of the scenarios `evac drill --list` shows with what each proves.",
        ),
    ] = "primary-outage",
    list_scenarios: Annotated[
        bool,
        typer.Option(
            "--list",
            help="List the scenarios (name, what it rehearses, expected outcome, checks) and exit;"
            " with --json PATH (- for stdout), as JSON.",
        ),
    ] = False,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Write the drill report to this file (an evac result: fields may be added, never renamed); with"
            " --list, the scenarios (- prints them).",
        ),
    ] = None,
    plan: PlanOption = DEFAULT_PLAN,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Draw the dependencies' latencies (Aurora, SageMaker scale-out, Route 53) from distributions anchored"
            " on AWS's published figures, seeded: the same seed plays the same run. Default: the table's figures."
        ),
    ] = None,
    approve_after: Annotated[
        float, typer.Option(help="game-day: approve this many modelled seconds after the run asks.", min=0)
    ] = 60.0,
    reject: Annotated[bool, typer.Option("--reject", help="game-day: reject instead of approving.")] = False,
    by_hand: Annotated[
        bool,
        typer.Option(
            "--by-hand", help="game-day: wait for a person to run `evac approve RUN --local` in another terminal."
        ),
    ] = False,
    report_dir: Annotated[
        Path, typer.Option(help="Where each drill's report folder goes (Markdown, timeline, runbook diagram).")
    ] = Path("reports"),
    stack_name: Annotated[
        str | None, typer.Option(help="Drill a deployed stack in AWS instead of the local cloud.")
    ] = None,
    region: Annotated[str | None, typer.Option(help="The deployed stack's region (with --stack-name).")] = None,
    input_file: Annotated[Path, typer.Option("--input", help="With --stack-name: the runbook input to send.")] = Path(
        "events/drill-planned.json"
    ),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live progress, just the summary.")] = False,
    inject: Annotated[
        list[str] | None,
        typer.Option(
            "--inject",
            help=f"Inject a fault (repeatable): {GRAMMAR}, e.g. route53:ChangeResourceRecordSets:access-denied,"
            " cloudwatch:DescribeAlarms:throttling@us-east-1, CheckDatabaseFunction/rds:DescribeGlobalClusters:5xx#2,"
            " sagemaker:UpdateEndpoint:timeout+after-effect (the call takes effect, its answer is lost). The drill"
            " then passes when its end state breaks no invariant (see docs/resilience.md), whatever its status.",
        ),
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option(
            "--keep",
            min=1,
            help="The local history (`evac history`) keeps this many runs per application, oldest dropped. Default:"
            " history.keep in .evac/settings.json, else 200.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run a failover drill and verify its outcome: on the local cloud by default, or against a deployed stack.

    Exits 0 only when the scenario's expected outcome was verified (writer, DNS, capacity, runbooks started, the
    run record, the lock released). Times are modelled seconds. Every drill writes a report folder and adds its
    runs to `evac history`.

    Examples:

      evac drill --list                                # the scenarios, what each rehearses and checks

      evac drill --list --json -                       # the same as JSON

      evac drill                                       # primary-outage, the default

      evac drill --scenario planned-switchover --json r.json

      evac drill --scenario game-day --approve-after 120

      evac drill --inject route53:ChangeResourceRecordSets:access-denied --scenario planned-switchover

      evac drill --stack-name evac-fraud-scoring --region us-west-2 --input events/drill-planned.json
    """
    if list_scenarios:
        _list(load(plan), json_path)
        return
    if json_path == STDOUT:
        raise fail("--json - (stdout) goes with --list; a drill report needs a PATH")
    if stack_name or region:
        _remote_drill(stack_name, region, input_file, quiet=quiet)
        return
    if scenario not in SCENARIOS:
        raise fail(f"unknown scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}")
    loaded = load(plan, local=True)
    try:
        faults = [parse_fault(spec) for spec in inject or []]
    except FaultSpecError as exc:
        raise fail(f"--inject {exc}") from None
    try:  # a bad setting is said before the drill, not after
        kept = keep if keep is not None else keep_setting()
    except HistorySettingError as exc:
        raise fail(str(exc)) from None
    console.print(f"[bold]evac drill[/] {scenario}: {SCENARIOS[scenario].summary}")
    drawn = f", latencies drawn with seed {seed}" if seed is not None else ""
    console.print(f"local cloud: plan {plan}, virtual time (modelled seconds){drawn}\n")

    def progress(at: float, event: dict) -> None:
        kind = event["type"]
        if kind in _SHOWN:
            name = event.get("stateEnteredEventDetails", {}).get("name", "")
            console.print(f"  [dim]{at:+8.1f}s[/]  {kind.removesuffix('StateEntered').lower():9s} {name}")
        elif kind in _EXECUTION_END:
            console.print(f"  [dim]{at:+8.1f}s[/]  [bold]{kind.removeprefix('Execution').lower()}[/]")

    options = Options(approve_after=None if by_hand else approve_after, reject=reject)
    if by_hand:
        console.print(
            "when the run asks, answer from another terminal:\n"
            "  evac approve game-day-2026-q4 --local    or    evac reject game-day-2026-q4 --reason TEXT --local\n"
        )
    with local_setup():
        report = run_drill(
            scenario,
            plan=loaded,
            seed=seed,
            options=options,
            on_event=None if quiet else progress,
            serve=by_hand,
            faults=faults,
            inspect=lambda cloud, report: check_end_state(cloud, report, faults),
        )
    write_report(report, default_folder(scenario, report_dir))
    remember(report.records, keep=kept)
    if json_path:
        report.report_files.append(str(json_path))
        json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    drill_summary(console, report)
    for name, ok, detail in ((i.name, i.ok, i.detail) for i in report.invariants):
        if not ok or faults:
            console.print(
                f"  invariant {name}: {'[green]held[/]' if ok else '[red]BROKEN[/]'} {detail if not ok else ''}"
            )
    console.print(f"report: {Path(report.report_files[0]).parent}")
    held = all(i.ok for i in report.invariants)
    raise typer.Exit(0 if (held if faults else report.expected) else 1)


def check_end_state(cloud: LocalCloud, report: DrillReport, faults: list[Fault]) -> None:
    """The matrix's end-state invariants, from the local cloud's ground truth, into the report's ``invariants``;
    with faults injected, ``exercised``: each one met a call (a fault that never fired proves nothing)."""
    arc = report.scenario in SCENARIOS and SCENARIOS[report.scenario].arc  # evac's ARC steps notify no one
    exempt = "notified" if arc else None
    checks = end_state_checks(end_state(cloud, report, exempt=exempt, expect_run=report.executions > 0 or arc))
    report.invariants = [Verdict(name=name, ok=ok, detail=detail) for name, ok, detail in checks]
    if faults:
        met = [len(cloud.faults.injected(f)) for f in faults]
        detail = ", ".join(f"{f.service}:{f.operation}:{f.kind} x{n}" for f, n in zip(faults, met, strict=True))
        report.invariants.append(Verdict(name="exercised", ok=all(met), detail=detail))


def _list(plan: RecoveryPlan, json_path: Path | None) -> None:
    """The scenario catalogue: a table for people, JSON (a list of entries) for machines."""
    entries = catalog(plan)
    if json_path is None:
        scenario_table(console, entries)
        return
    text = json.dumps([e.model_dump(mode="json") for e in entries], indent=2) + "\n"
    if json_path == STDOUT:
        typer.echo(text, nl=False)
    else:
        json_path.write_text(text, encoding="utf-8")


def _remote_drill(stack_name: str | None, region: str | None, input_file: Path, *, quiet: bool) -> None:
    if not (stack_name and region):
        raise fail("--stack-name and --region go together")
    try:
        request = RunbookInput.model_validate_json(input_file.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise fail(f"{input_file} is not a runbook input: {exc}") from None
    with aws("the drill"):
        arn = runbook.runbook_arn(stack_name, region)
    console.print(f"[bold]evac drill[/] {request.mode} run {request.incident_id} on {arn}")

    def progress(event: dict) -> None:
        if event["type"] in _SHOWN:
            console.print(
                f"  {event['timestamp']:%H:%M:%S}  {event.get('stateEnteredEventDetails', {}).get('name', '')}"
            )

    with aws("the drill"):
        described = runbook.run(arn, request, on_event=None if quiet else progress)
    console.print(f"[bold]{described['status']}[/] {described.get('error', '')} {described.get('cause', '')[:300]}")
    console.print(f"evac history --region {region}   # the run record")
    raise typer.Exit(0 if described["status"] == "SUCCEEDED" else 1)
