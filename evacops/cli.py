"""The `evac` command: drills and readiness on the local cloud (or a deployed stack), and the recovery plan. It parses
arguments and prints; the engines are ``evacops.drill`` and ``evacops.readiness``."""

from __future__ import annotations

import getpass
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from evac.domain.plan import DEFAULT_PLAN, load_plan

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import Readiness
    from evac.domain.plan import RecoveryPlan
from evac.approvals import ApprovalError, answer
from evac.aws.dynamodb import Ledger
from evac.domain.models import RunbookInput
from evac.errors import PlanError
from evacops import ledger, remote
from evacops import readiness as readiness_engine
from evacops.bench_cli import bench
from evacops.chaos import CHAOS_SPEED, KINDS, Matrix, Result, run_matrix, write_json
from evacops.decide import decide as evaluate
from evacops.drill import SCENARIOS, DrillReport, run_drill
from evacops.ledger import remember
from evacops.localcloud import SERVED
from evacops.localcloud.clock import DEFAULT_SPEED
from evacops.reports import default_folder, write_report
from evacops.scenarios import Options

app = typer.Typer(
    help="evac fails an AI application over to its secondary AWS region and proves it recovered.\n\n"
    "Drills, readiness checks and the bench run on the local cloud (moto, two regions, one process) by default: "
    "the real template.yaml, the real state machine and the real Lambda handlers, on a scaled clock.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
plan_app = typer.Typer(
    help="Check a recovery plan and derive the stack's deploy parameters from it.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")
app.command()(bench)
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
) -> None:
    """Run a failover drill and verify its outcome: on the local cloud by default, or against a deployed stack.

    Exits 0 only when the scenario's expected outcome was verified (writer, DNS, capacity, runbooks started, the
    run record, the lock released). Times are modelled seconds. Every drill writes a report folder and adds its
    runs to `evac history`.

    Examples:

      evac drill                                       # primary-outage, the default

      evac drill --scenario planned-switchover --json r.json

      evac drill --scenario game-day --approve-after 120

      evac drill --stack-name evac-fraud-scoring --region us-west-2 --input events/drill-planned.json
    """
    if stack_name or region:
        _remote_drill(stack_name, region, input_file, quiet=quiet)
        return
    if scenario not in SCENARIOS:
        errors.print(f"[red]unknown scenario {scenario!r}[/]; choose one of: {', '.join(SCENARIOS)}")
        raise typer.Exit(2)
    _load(plan)
    console.print(f"[bold]evac drill[/] {scenario}: {SCENARIOS[scenario].summary}")
    console.print(f"local cloud: plan {plan}, {speed:g} modelled s per wall s\n")

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
    report = run_drill(
        scenario, plan_path=plan, speed=speed, options=options, on_event=None if quiet else progress, serve=by_hand
    )
    write_report(report, default_folder(scenario, report_dir))
    remember(report.records)
    if json_path:
        report.report_files.append(str(json_path))
        json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    _summary(report)
    console.print(f"report: {Path(report.report_files[0]).parent}")
    raise typer.Exit(0 if report.expected else 1)


def _remote_drill(stack_name: str | None, region: str | None, input_file: Path, *, quiet: bool) -> None:
    if not (stack_name and region):
        errors.print("[red]--stack-name and --region go together[/]")
        raise typer.Exit(2)
    try:
        request = RunbookInput.model_validate_json(input_file.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        errors.print(f"[red]{input_file} is not a runbook input: {exc}[/]")
        raise typer.Exit(2) from None
    with _aws("the drill"):
        arn = remote.runbook_arn(stack_name, region)
    console.print(f"[bold]evac drill[/] {request.mode} run {request.incident_id} on {arn}")

    def progress(event: dict) -> None:
        if event["type"] in _SHOWN:
            console.print(
                f"  {event['timestamp']:%H:%M:%S}  {event.get('stateEnteredEventDetails', {}).get('name', '')}"
            )

    with _aws("the drill"):
        described = remote.run(arn, request, on_event=None if quiet else progress)
    console.print(f"[bold]{described['status']}[/] {described.get('error', '')} {described.get('cause', '')[:300]}")
    console.print(f"evac history --region {region}   # the run record")
    raise typer.Exit(0 if described["status"] == "SUCCEEDED" else 1)


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
        "DNS shift": report.dns_policy or "-",
        "traffic moves": " → ".join(f"{t.share}% @ {t.submitted:.0f} s" for t in report.traffic) or "-",
        "all traffic": _seconds(report.full_capacity_seconds),
        "writer region": report.writer_region or "-",
        "DNS region": report.dns_region or "split / none",
        "runbooks started": str(report.executions),
        "wall time": f"{report.wall_seconds:.1f} s",
        "state transitions": str(report.state_transitions),
        "Lambda invocations": str(report.lambda_invocations),
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


@app.command()
def readiness(
    plan: PlanOption = DEFAULT_PLAN,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help='Write the report to this file: {"ready", "checks": [{"name", "status", ...}]}.'),
    ] = None,
    stack_name: Annotated[
        str | None,
        typer.Option("--stack-name", help="Ask a deployed stack's readiness function instead of the local cloud."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(help="With --stack-name: the stack's region. Locally: whose stack asks (default: the secondary)."),
    ] = None,
    target_region: Annotated[
        str | None,
        typer.Option(help="The region to assess as the failover target (default: the peer of the current writer)."),
    ] = None,
) -> None:
    """Check that the failover target can serve the model: artifacts, images, registry, features, capacity, DNS.

    Runs the deployed readiness function (the one the schedule runs every 15 minutes): on the local cloud, seeded
    from --plan, by default; with --stack-name and --region, in AWS (the stack's plan applies; --plan is ignored).
    Exits 0 when every critical check passed, 1 when the target is not ready or readiness could not be read, 2 on
    bad input.

    Examples:

      evac readiness --json r.json

      evac readiness --stack-name evac-fraud-scoring --region us-west-2
    """
    if stack_name:
        if not region:
            errors.print("[red]--stack-name needs --region[/] (the region the stack is deployed in)")
            raise typer.Exit(2)
        with _aws("readiness"):
            report = readiness_engine.on_aws(stack_name, region=region, target_region=target_region)
    else:
        loaded = _load(plan)
        if region and region not in loaded.regions.both:
            errors.print(f"[red]--region {region} is not one of the plan's regions {list(loaded.regions.both)}[/]")
            raise typer.Exit(2)
        with _aws("readiness"):
            report = readiness_engine.on_local_cloud(plan, region=region, target_region=target_region)
    if json_path:
        json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    _readiness_summary(report)
    raise typer.Exit(0 if report.ready else 1)


_MARK = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "unknown": "[yellow]?[/]"}


def _readiness_summary(report: Readiness) -> None:
    table = Table(
        title=f"{report.application}: can {report.target_region} serve as {report.source_region} does?",
        title_justify="left",
    )
    for column in ("", "check", "severity", "evidence"):
        table.add_column(column, overflow="fold")
    for check in report.checks:
        name = f"{check.name}\n[dim]{check.resource}[/]" if check.resource else check.name
        table.add_row(_MARK[check.status], name, check.severity, check.evidence)
    console.print(table)
    for check in report.findings:
        if check.remediation:
            console.print(f"{_MARK[check.status]} [bold]{check.name}[/] {check.resource}: {check.remediation}")
    services = len({c.name.split(".")[0] for c in report.checks})
    verdict = "[green bold]ready[/]" if report.ready else "[red bold]NOT ready[/]"
    console.print(f"{verdict}: {len(report.checks)} checks across {services} services, {len(report.findings)} findings")


@app.command()
def chaos(
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help='Write {"scenarios": N, "violations": M, "results": [...]} to this file.'),
    ] = None,
    only_subset: Annotated[
        bool, typer.Option("--subset", help="Only the representative few that `make test` runs.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Drills played at once, one process each.", min=1)] = 1,
    plan: PlanOption = DEFAULT_PLAN,
    speed: Annotated[
        float, typer.Option(help="Modelled seconds per wall second on the local cloud.", min=1.0)
    ] = CHAOS_SPEED,
) -> None:
    """Run the fault matrix: every AWS call site of the runbook, each fault, invariants checked.

    The call sites come from a recorded clean run of primary-outage and planned-switchover. Each site gets
    throttling, a 5xx, AccessDenied and a timeout, at its first call and (where polled) at a later poll; the drill is
    played again and checked: one writer, DNS never sent to an unverified region, lock released, run recorded,
    outcome notified, transient faults end SUCCEEDED, AccessDenied ends FAILED naming the operation.
    Exits 0 only with no violation.

    Examples:

      evac chaos --subset                     # the few that make test runs

      evac chaos --jobs 2 --json chaos.json   # the whole matrix, two drills at a time
    """
    try:
        load_plan(plan)
    except PlanError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print("[bold]evac chaos[/]: recording the runbook's calls from clean runs, then one fault per drill")

    def progress(result: Result, done: int, total: int) -> None:
        mark = "[green]✓[/]" if not result.violations else "[red]✗[/]"
        console.print(f"  [dim]{done:3d}/{total}[/] {mark} {result.status:9s} {result.kind:13s} {result.point:5s} "
                      f"{result.site}")
        for violation in result.violations:
            console.print(f"        [red]{violation}[/]")

    matrix = run_matrix(only_subset=only_subset, plan_path=plan, speed=speed, jobs=jobs, on_result=progress)
    if json_path:
        write_json(matrix, json_path)
    _chaos_summary(matrix)
    raise typer.Exit(0 if matrix.violations == 0 else 1)


def _chaos_summary(matrix: Matrix) -> None:
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
    columns = ("scenarios", "SUCCEEDED", "FAILED", "ABORTED", "violations")
    totals.add_column("fault")
    for column in columns:
        totals.add_column(column, justify="right")
    rows = matrix.totals()
    for fault, row in rows.items():
        totals.add_row(fault, *(str(row.get(c, 0)) for c in columns))
    totals.add_row("[bold]all[/]", *(f"[bold]{sum(r.get(c, 0) for r in rows.values())}[/]" for c in columns))
    console.print(totals)
    console.print(
        f"{len(matrix.sites)} call sites, {len(matrix.results)} scenarios, {matrix.violations} violation(s), "
        f"{matrix.wall_seconds:.0f} s"
    )


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


@contextmanager
def _aws(action: str) -> Iterator[None]:
    """AWS errors (no credentials, no such stack, access denied) as one clear line and exit code 1."""
    try:
        yield
    except (BotoCoreError, ClientError, LookupError, readiness_engine.ReadinessUnavailableError) as exc:
        errors.print(f"[red]{action} failed: {exc}[/]")
        raise typer.Exit(1) from None


def _load(plan: Path) -> RecoveryPlan:
    try:
        return load_plan(plan)
    except PlanError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


RegionOption = Annotated[
    str | None, typer.Option(help="Read the deployed stack's ledger in this AWS region (default: the local ledger).")
]


@app.command()
def history(plan: PlanOption = DEFAULT_PLAN, region: RegionOption = None) -> None:
    """List runs, newest first: drills on the local cloud (.evac/history.jsonl), or a deployed stack's ledger."""
    with _aws("reading the ledger"):
        runs = ledger.aws_runs(_load(plan).application, region) if region else ledger.local_runs()
    if not runs:
        console.print("no runs yet: try `evac drill`" if not region else f"no runs in {region}")
        return
    table = Table(title="evac runs", title_justify="left")
    for column in ("recorded", "run", "outcome", "mode", "move", "RTO (s)", "RPO (s)", "approver"):
        table.add_column(column)
    for run in runs:
        move = f"{run.get('strategy') or '-'} {run.get('source_region') or '?'} → {run.get('target_region') or '?'}"
        table.add_row(
            run["recorded_at"][:19],
            run["incident_id"],
            run["outcome"],
            run.get("mode") or "-",
            move,
            ledger.number(run.get("rto_seconds")),
            ledger.number(run.get("rpo_seconds")),
            run.get("approver") or "-",
        )
    console.print(table)


@app.command()
def report(
    run: Annotated[str, typer.Argument(help="The run's incident id (see `evac history`).")],
    plan: PlanOption = DEFAULT_PLAN,
    region: RegionOption = None,
) -> None:
    """Render one run's record: input, decisions, phases, RTO, RPO, outcome, approver."""
    with _aws("reading the ledger"):
        runs = ledger.aws_runs(_load(plan).application, region) if region else ledger.local_runs()
    found = ledger.find(runs, run)
    if found is None:
        errors.print(f"[red]no run {run!r} in {'the ledger in ' + region if region else 'the local ledger'}[/]")
        raise typer.Exit(2)
    console.print(Markdown(ledger.render(found)))


RunRegion = Annotated[
    str | None, typer.Option(help="The region of the stack whose runbook waits (default with --local: the secondary).")
]
Local = Annotated[bool, typer.Option("--local", help="Answer a run on the local cloud a drill is serving (--by-hand).")]


@app.command()
def approve(
    run: Annotated[str, typer.Argument(help="The waiting run's incident id.")],
    region: RunRegion = None,
    local: Local = False,
    approver: Annotated[str, typer.Option(help="Who approves (recorded in the run).")] = "",
    comment: Annotated[str, typer.Option(help="Why, for the record.")] = "",
    plan: PlanOption = DEFAULT_PLAN,
) -> None:
    """Approve a run that waits for a person (a game day, or an RPO over budget); it then promotes the target.

    Examples:

      evac approve game-day-2026-q4 --region us-west-2

      evac approve game-day-2026-q4 --local          # a drill run with --by-hand
    """
    _answer(run, "approve", region, local, approver, comment, plan)


@app.command()
def reject(
    run: Annotated[str, typer.Argument(help="The waiting run's incident id.")],
    reason: Annotated[str, typer.Option(help="Why not: recorded, and sent to the runbook.")],
    region: RunRegion = None,
    local: Local = False,
    approver: Annotated[str, typer.Option(help="Who rejects (recorded in the run).")] = "",
    plan: PlanOption = DEFAULT_PLAN,
) -> None:
    """Reject a waiting run: it is aborted before any change, the lock released, the run recorded as ABORTED."""
    _answer(run, "reject", region, local, approver, reason, plan)


def _answer(
    run: str,
    decision: Literal["approve", "reject"],
    region: str | None,
    local: bool,
    by: str,
    comment: str,
    plan: Path,
) -> None:
    loaded = _load(plan)
    if local:
        _reach_local_cloud()
        region = region or loaded.regions.secondary
    if region is None:
        errors.print("[red]say where the run waits: --region REGION (AWS) or --local (a drill run with --by-hand)[/]")
        raise typer.Exit(2)
    who = by or getpass.getuser()
    try:
        with _aws(decision):
            ledger_here = Ledger(ledger.table_name(loaded.application), region)
            answer(run, decision, by=who, comment=comment, ledger=ledger_here, region=region)
    except ApprovalError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    console.print(f"[green]{'approved' if decision == 'approve' else 'rejected'}[/] {run} as {who}")


def _reach_local_cloud() -> None:
    """Point boto3 at the local cloud a drill serves on loopback (see LocalCloud.serve)."""
    try:
        served = json.loads(SERVED.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        errors.print("[red]no local cloud is being served here: start `evac drill --scenario game-day --by-hand`[/]")
        raise typer.Exit(2) from None
    os.environ.update(
        AWS_ENDPOINT_URL=served["endpoint_url"],
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106
    )


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
