"""`evac plan`: check a recovery plan, and derive the stack's deploy parameters from it."""

from __future__ import annotations

from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated

import typer
from rich.markup import escape

from evac.errors import PlanError
from evacops.cli.common import DEFAULT_PLAN, PlanOption, console, fail, load
from evacops.localcloud.support import UnsupportedSetupError, check_plan
from evacops.stack.parameters import stack_parameters

plan_app = typer.Typer(
    help="Check a recovery plan and derive the stack's deploy parameters from it.", no_args_is_help=True
)


@plan_app.command("check")
def plan_check(plan: Annotated[Path, typer.Argument(help="The recovery plan to validate.")] = DEFAULT_PLAN) -> None:
    """Validate a recovery plan; errors name the bad field's path. Exits 0 for a valid plan, 2 for a bad one; a
    valid plan the local cloud cannot model (its regions in another partition) gets a note."""
    loaded = load(plan)
    console.print(
        f"[green]✓[/] {plan}: {loaded.application}, {loaded.regions.primary} -> {loaded.regions.secondary}, "
        f"{len(loaded.inference.endpoints)} endpoint(s), {len(loaded.alarms)} alarm(s)"
    )
    try:
        check_plan(loaded, local=True)
    except UnsupportedSetupError as exc:
        console.print(f"[yellow]note[/]: {escape(str(exc))}: deployable, but no local drill", soft_wrap=True)


@plan_app.command("params")
def plan_params(
    region: Annotated[str, typer.Option(help="The region this stack is deployed to.")],
    hosted_zone_id: Annotated[str, typer.Option(help="The Route 53 hosted zone id of the plan's record.")],
    plan: PlanOption = DEFAULT_PLAN,
) -> None:
    """Print `sam deploy --parameter-overrides` for the stack in REGION, derived from the plan (REGION may be the
    plan's probes.witness: its stack only probes the primary and forwards its alarm's events to the secondary)."""
    loaded = load(plan)
    try:
        derived = stack_parameters(loaded, region)
    except PlanError as exc:
        raise fail(str(exc)) from None
    bundled = (
        plan.resolve().relative_to(DEFAULT_PLAN.parent.parent.parent)
        if plan.resolve().is_relative_to(DEFAULT_PLAN.parent.parent.parent)
        else None
    )
    parts = [f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in derived.items()]
    parts.append(f"HostedZoneId={hosted_zone_id}")
    if bundled is not None:
        parts.append(f"PlanFile={bundled}")
    typer.echo(" ".join(parts))
