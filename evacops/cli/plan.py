"""`evac plan`: check a recovery plan, derive the stack's deploy parameters from it, export it for ARC Region switch."""

from __future__ import annotations

import json
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated

import typer
from rich.markup import escape

from evac.errors import PlanError
from evacops.arc.export import PLACEHOLDER_ACCOUNT, Target, create_plan_request
from evacops.arc.validate import problems
from evacops.cli.common import DEFAULT_PLAN, PlanOption, console, errors, fail, load
from evacops.localcloud.support import UnsupportedSetupError, check_plan
from evacops.stack.parameters import stack_parameters

plan_app = typer.Typer(
    help="Check a recovery plan, derive the stack's deploy parameters from it, export it as an ARC Region switch plan.",
    no_args_is_help=True,
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


@plan_app.command("export")
def plan_export(
    arc: Annotated[
        bool, typer.Option("--arc", help="Export as an AWS ARC Region switch CreatePlan request (the only format).")
    ] = False,
    plan: PlanOption = DEFAULT_PLAN,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON here instead of stdout.")] = None,
    account: Annotated[
        str | None,
        typer.Option(help=f"The account. Default: the plan's account, else {PLACEHOLDER_ACCOUNT}, a placeholder."),
    ] = None,
    stack_name: Annotated[
        str | None, typer.Option(help="evac's stack name in both regions. Default: evac-<application>.")
    ] = None,
    execution_role_arn: Annotated[
        str | None,
        typer.Option(help="The role ARC runs the plan as. Default: arn:aws:iam::<account>:role/<stack-name>-arc."),
    ] = None,
    approval_role_arn: Annotated[
        str | None,
        typer.Option(help="Start each workflow with an execution approval by this role (game days). Default: none."),
    ] = None,
    hosted_zone_id: Annotated[
        str, typer.Option(help="The Route 53 hosted zone id of the plan's record (the plan names the zone only).")
    ] = "Z0000000000000000000",
) -> None:
    """Print the plan as an ARC Region switch CreatePlan request (JSON), checked against botocore's service model.
    Exits 2 with the model's report if the request breaks it.

    Where ARC has no block (SageMaker capacity, readiness, the canary, the run record), a custom-action Lambda step
    invokes evac's ArcActionFunction in the stack of the region being activated, the evac step named in its payload
    (docs/arc.md: what maps to what, and how the function runs each step).

    Before `aws arc-region-switch create-plan --cli-input-json file://FILE`, substitute: the account (placeholder
    111122223333), the function's physical name (CloudFormation suffixes <stack-name>-ArcActionFunction), the hosted
    zone id, and the roles."""
    if not arc:
        raise fail("choose the format: --arc (an ARC Region switch CreatePlan request)")
    loaded = load(plan)
    application = loaded.application
    target = Target(
        account=account or loaded.account or PLACEHOLDER_ACCOUNT,
        stack_name=stack_name or f"evac-{application}",
        execution_role_arn=execution_role_arn,
        approval_role_arn=approval_role_arn,
        hosted_zone_id=hosted_zone_id,
    )
    request = create_plan_request(loaded, target)
    if found := problems(request):
        errors.print(f"[red]the CreatePlan request for {plan} breaks the arc-region-switch model:[/]")
        for problem in found:
            errors.print(f"  {escape(problem)}", soft_wrap=True)
        raise typer.Exit(2)
    text = json.dumps(request, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        errors.print(f"[green]✓[/] {out}: CreatePlan request for {application}, valid against botocore's model")
