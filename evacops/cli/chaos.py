"""`evac chaos`: the fault matrix (``evacops.chaos``)."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated

import typer

from evacops.chaos.matrix import NoCaseSelectedError, count_cases, run_matrix, write_json
from evacops.cli.common import DEFAULT_PLAN, PlanOption, console, fail, load, local_setup
from evacops.cli.render import chaos_summary, time_left

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evacops.chaos.controls import ControlResult
    from evacops.chaos.matrix import Result


def chaos(
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help=(
                'Write {"schema", "kind": "chaos", "seed", "scenarios", "violations", "outcomes", "escalated", '
                '"by_fault", "by_group", "negative_controls": {"total", "caught", "controls"}, "results"} to this file.'
            ),
        ),
    ] = None,
    only_subset: Annotated[
        bool, typer.Option("--subset", help="Only the representative few that `make test` runs.")
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes, one drill at a time each: a worker sets its local cloud up once and forks it for"
            " every case.",
            min=1,
        ),
    ] = 1,
    count: Annotated[
        bool,
        typer.Option(
            "--count",
            help="Only count: record the call sites (one clean run per scenario) and print the cases per site group "
            "and per fault, without playing them (with --json, write the counts).",
        ),
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="SUBSTRING",
            help="Only the cases whose id (scenario/caller -> service:operation[:function]/fault@point, as printed "
            "and in the JSON) contains SUBSTRING, case-sensitive; repeat for more (any matches). Applies after "
            "--subset; --count counts them. When each begins with a scenario's name and a slash (readiness/, "
            "planned-switchover/), only those scenarios' sites are recorded.",
        ),
    ] = None,
    no_controls: Annotated[
        bool, typer.Option("--no-controls", help="Skip the negative controls (then the matrix proves less).")
    ] = False,
    every_kind: Annotated[
        bool,
        typer.Option(
            "--every-kind",
            help="Throttling and a 5xx both at every site, even at a Lambda function's calls, where botocore retries "
            "them alike and evac reads them as one fault (by default one of the two there, half the sites each; "
            "another --seed plays the other half). About a fifth more cases.",
        ),
    ] = False,
    plan: PlanOption = DEFAULT_PLAN,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Draw the dependencies' latencies (Aurora, SageMaker scale-out, Route 53) for the clean runs and "
            "every case with this seed, as evac drill --seed does: the matrix replayed on another draw, the same "
            "seed the same draw (a poll case exists where that draw polls twice). Default: the plan's expectations "
            "plus 30 s, so every poll loop polls at least twice. The negative controls keep the default.",
        ),
    ] = None,
) -> None:
    """Run the fault matrix: every AWS call site, each fault, invariants checked.

    The call sites come from recorded runs, in six groups: the runbook's (primary-outage and planned-switchover),
    the trigger's and confirmation watch's (primary-outage: DescribeAlarms, the ledger, the kill switch,
    StartExecution, SNS), the capacity fallback's (capacity-fallback), the follow-capacity ramp's
    (traffic-follows-capacity), and the failure path's: a primary outage played with preflight's DescribeDBClusters
    denied fails before it changes anything, and its record, notification and lock release are each faulted after
    that failure (the run must still end FAILED naming it, recorded, notified, its lock released); and the scheduled
    readiness report's reads, each faulted in a run of the readiness function alone (nothing in a runbook reads what
    it publishes, so the drills play without its schedule): it must fail closed, answering ready only where the
    faulted read serves nothing but a warning, and naming a refused read in its findings. Each site gets
    throttling, a 5xx, AccessDenied and a timeout, at its first call and (where polled, or a later ramp step) at a
    later poll; each call that changes something also gets a 5xx and a timeout after effect (it takes effect, its
    answer is lost). Where throttling and a 5xx are one fault (a Lambda function's call: botocore retries both
    alike, evac reads both as transient), one of the two, half the sites each (--every-kind: both); the state
    machines' own calls and the probers', which tell them apart, get both. The drill is played again and its end
    state checked
    from the local cloud's ground truth, whatever the run's status: at most one writer; the DNS answer points at the
    writer's region; no DNS change ever sent traffic beyond serving capacity; the lock released; the run recorded and
    notified; no more runbooks than the scenario starts; none started on alarms nobody could read; transient faults
    end SUCCEEDED, AccessDenied ends FAILED naming the operation. A site's own policy says otherwise where written:
    best-effort reads, and the trigger and watch, where AccessDenied on what the decision needs holds the failover
    back (no runbook, people told). A failed run that leaves writer and traffic apart is a violation unless it ended
    with a named escalation error (ManualCompletionRequiredError) whose notification gives the commands to finish by
    hand: that is counted as escalated, with its reason.

    Then the negative controls: for every invariant a seeded violation (a runbook or watch variant, a world edited
    after the run, a fault that never meets a call, a trigger policy made wrong) that the invariant must report.
    Exits 0 only with no violation and every negative control caught. The JSON counts each fault (its kind, with
    +after-effect apart) by status and by outcome (clean, escalated, violated), and each site group.

    Each case prints one line as it ends: its number, about how long the rest will take at the pace so far, its
    outcome (✓ clean, ↑ escalated, ✗ violated), status, fault and site. The matrix (979 cases on the default plan)
    takes about 8 minutes with --jobs 2 on two cores, longer when they are busy; --every-kind (1,176) about a
    fifth longer.

    Examples:

      evac chaos --subset                     # the few that make test runs

      evac chaos --count                      # the cases per group and fault, none played

      evac chaos --jobs 2 --json chaos.json   # the whole matrix, two drills at a time

      evac chaos --every-kind --count         # throttling and a 5xx both, at every site

      evac chaos --subset --plan tests/plans/eu-search.yaml

      evac chaos --subset --seed 7 --json chaos-7.json   # the few again, on the latencies seed 7 draws

      evac chaos --only RecoverResourcesFunction --no-controls --plan functions/evac/plans/rag-assistant.yaml

      evac chaos --only 'ShiftDnsFunction -> ' --only '/timeout@' --count   # ShiftDns's own calls, or any timeout

      evac chaos --only readiness/ --no-controls   # the readiness report's reads alone, in seconds
    """
    loaded = load(plan, local=True)
    if count:
        with local_setup(), _selecting():
            counted = count_cases(
                only_subset=only_subset, only=only or (), plan=loaded, seed=seed, every_kind=every_kind
            )
        if json_path:
            json_path.write_text(json.dumps(counted, indent=2) + "\n", encoding="utf-8")
        console.print(f"{counted['scenarios']} scenarios from {counted['sites']} call sites")
        for name in ("by_group", "by_fault"):
            console.print(f"  {name.removeprefix('by_')}: " + ", ".join(f"{k} {v}" for k, v in counted[name].items()))
        raise typer.Exit(0)
    drawn = f", latencies drawn with seed {seed}" if seed is not None else ""
    console.print(
        f"[bold]evac chaos[/]: recording the runbook's calls from clean runs, then one fault per drill{drawn}"
    )

    began: list[float] = []  # when the first case began: the sites are recorded before it

    def progress(result: Result, done: int, total: int) -> None:
        if not began:
            began.append(time.monotonic() - result.wall_seconds)
        left = time_left(time.monotonic() - began[0], done, total)
        mark = {"clean": "[green]✓[/]", "escalated": "[yellow]↑[/]"}.get(result.outcome, "[red]✗[/]")
        console.print(
            f"  [dim]{done:3d}/{total} {left:13s}[/] {mark} {result.status:9s} {result.fault or result.kind:20s}"
            f" {result.point:5s} {result.site}",
            soft_wrap=True,  # one line per case, in a terminal or a log file (not wrapped at 80 columns)
        )
        for violation in result.violations:
            console.print(f"        [red]{violation}[/]", soft_wrap=True)

    def control_progress(control: ControlResult) -> None:
        mark = "[green]caught[/]" if control.caught else "[red]NOT CAUGHT[/]"
        console.print(f"  control {control.name} ({control.catches}): {mark}")

    with local_setup(), _selecting():
        matrix = run_matrix(
            only_subset=only_subset,
            only=only or (),
            plan=loaded,
            jobs=jobs,
            with_controls=not no_controls,
            on_result=progress,
            on_control=control_progress,
            seed=seed,
            every_kind=every_kind,
        )
    if json_path:
        write_json(matrix, json_path)
    chaos_summary(console, matrix)
    raise typer.Exit(0 if matrix.violations == 0 and not matrix.uncaught else 1)


@contextmanager
def _selecting() -> Iterator[None]:
    """An --only that selects no case: a clear error, exit 2, nothing played."""
    try:
        yield
    except NoCaseSelectedError as exc:
        raise fail(f"--only: {exc}") from None
