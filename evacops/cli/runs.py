"""`evac history`, `evac report`, `evac approve` and `evac reject`: the runs evac recorded, and answering one that
waits for a person."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated, Literal

import typer
from rich.markdown import Markdown
from rich.table import Table

from evac.aws.dynamodb import Ledger
from evac.aws.stepfunctions import TaskTokens
from evac.domain.approvals import ApprovalError, answer
from evacops import history as run_history
from evacops.cli.common import DEFAULT_PLAN, PlanOption, aws, console, fail, load
from evacops.localcloud import SERVED
from evacops.reports import run_record

RegionOption = Annotated[
    str | None, typer.Option(help="Read the deployed stack's ledger in this AWS region (default: the local ledger).")
]


def history(
    plan: PlanOption = DEFAULT_PLAN,
    region: RegionOption = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Write the runs to this file as JSON lines, oldest first, each an evac result of kind run (the"
            " journal schema, docs/results.md), instead of listing them.",
        ),
    ] = None,
) -> None:
    """List runs, newest first: drills on the local cloud (.evac/history.jsonl), or a deployed stack's ledger.

    The local history keeps the newest 200 runs of each application; `evac drill --keep N`, or
    {"history": {"keep": N}} in .evac/settings.json, keeps another number.
    """
    application = load(plan).application
    with aws("reading the ledger"):
        runs = run_history.aws_runs(application, region) if region else run_history.local_runs()
    if export is not None:
        try:
            written = run_history.export(runs, export)
        except OSError as exc:
            raise fail(f"cannot write {export}: {exc}") from None
        console.print(f"{written} run(s) written to {export}")
        return
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
            run_history.number(run.get("rto_seconds")),
            run_history.number(run.get("rpo_seconds")),
            run.get("approver") or "-",
        )
    console.print(table)


def report(
    run: Annotated[str, typer.Argument(help="The run's incident id (see `evac history`).")],
    plan: PlanOption = DEFAULT_PLAN,
    region: RegionOption = None,
) -> None:
    """Render one run's record: input, decisions, phases, RTO, RPO, outcome, approver."""
    application = load(plan).application
    with aws("reading the ledger"):
        runs = run_history.aws_runs(application, region) if region else run_history.local_runs()
    found = run_history.find(runs, run)
    if found is None:
        raise fail(f"no run {run!r} in {'the ledger in ' + region if region else 'the local ledger'}")
    console.print(Markdown(run_record.render(found)))


RunRegion = Annotated[
    str | None, typer.Option(help="The region of the stack whose runbook waits (default with --local: the secondary).")
]
Local = Annotated[bool, typer.Option("--local", help="Answer a run on the local cloud a drill is serving (--by-hand).")]


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
    loaded = load(plan)
    if local:
        _reach_local_cloud()
        region = region or loaded.regions.secondary
    if region is None:
        raise fail("say where the run waits: --region REGION (AWS) or --local (a drill run with --by-hand)")
    who = by or getpass.getuser()
    try:
        with aws(decision):
            ledger_here = Ledger(run_history.table_name(loaded.application), region)
            answer(run, decision, by=who, comment=comment, ledger=ledger_here, tokens=TaskTokens(region))
    except ApprovalError as exc:
        raise fail(str(exc), 1) from None
    console.print(f"[green]{'approved' if decision == 'approve' else 'rejected'}[/] {run} as {who}")


def _reach_local_cloud() -> None:
    """Point boto3 at the local cloud a drill serves on loopback (see LocalCloud.serve)."""
    try:
        served = json.loads(SERVED.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise fail("no local cloud is being served here: start `evac drill --scenario game-day --by-hand`") from None
    os.environ.update(
        AWS_ENDPOINT_URL=served["endpoint_url"],
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106
    )
