"""`evac chaos`: the fault matrix (``evacops.chaos``)."""

from __future__ import annotations

from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated

import typer

from evacops.chaos.matrix import run_matrix, write_json
from evacops.cli.common import DEFAULT_PLAN, PlanOption, console, load, local_setup
from evacops.cli.render import chaos_summary

if TYPE_CHECKING:
    from evacops.chaos.matrix import Result


def chaos(
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help='Write {"schema", "kind": "chaos", "scenarios": N, "violations": M, "results": [...]} to this file.',
        ),
    ] = None,
    only_subset: Annotated[
        bool, typer.Option("--subset", help="Only the representative few that `make test` runs.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Drills played at once, one process each.", min=1)] = 1,
    plan: PlanOption = DEFAULT_PLAN,
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

      evac chaos --subset --plan tests/plans/eu-search.yaml
    """
    loaded = load(plan, local=True)
    console.print("[bold]evac chaos[/]: recording the runbook's calls from clean runs, then one fault per drill")

    def progress(result: Result, done: int, total: int) -> None:
        mark = "[green]✓[/]" if not result.violations else "[red]✗[/]"
        console.print(
            f"  [dim]{done:3d}/{total}[/] {mark} {result.status:9s} {result.kind:13s} {result.point:5s} {result.site}"
        )
        for violation in result.violations:
            console.print(f"        [red]{violation}[/]")

    with local_setup():
        matrix = run_matrix(only_subset=only_subset, plan=loaded, jobs=jobs, on_result=progress)
    if json_path:
        write_json(matrix, json_path)
    chaos_summary(console, matrix)
    raise typer.Exit(0 if matrix.violations == 0 else 1)
