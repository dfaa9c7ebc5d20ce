"""`evac readiness`: the deployed readiness function, asked on the local cloud or in AWS."""

from __future__ import annotations

from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import TYPE_CHECKING, Annotated

import typer

from evacops.cli.common import DEFAULT_PLAN, PlanOption, aws, console, fail, load, local_setup
from evacops.cli.render import readiness_summary
from evacops.stack import readiness_function

if TYPE_CHECKING:
    from evac.domain.models import Readiness


def readiness(
    plan: PlanOption = DEFAULT_PLAN,
    json_path: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help='Write the report to this file: {"ready", "checks": [{"name", "status", ...}], '
            '"ml_state_lag_seconds", "ml_state_budget_seconds", "ml_state": [{"item", "resource", "seconds", ...}]}.',
        ),
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

    It also says how old the model state in the target is next to the source's (ml_state_lag_seconds: the newest
    approved model package, its artifact and image, the feature tables' replication latency; the oldest part is the
    total, unknown if a part could not be read), against the plan's readiness.ml_state_budget_seconds
    (check ml.state_lag).

    Examples:

      evac readiness --json r.json

      evac readiness --stack-name evac-fraud-scoring --region us-west-2
    """
    if stack_name:
        if not region:
            raise fail("--stack-name needs --region (the region the stack is deployed in)")
        with aws("readiness"):
            report = readiness_function.on_aws(stack_name, region=region, target_region=target_region)
    else:
        loaded = load(plan, local=True)
        for option, value in (("--region", region), ("--target-region", target_region)):
            if value and value not in loaded.regions.both:
                raise fail(f"{option} {value} is not one of the plan's regions {list(loaded.regions.both)}")
        with local_setup(), aws("readiness"):
            report = readiness_function.on_local_cloud(loaded, region=region, target_region=target_region)
    if json_path:
        json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    readiness_summary(console, report)
    ml_state_summary(report)
    raise typer.Exit(0 if report.ready else 1)


def ml_state_summary(report: Readiness) -> None:
    """One line per item of the target's model-state lag, and the total against the budget."""
    if not report.ml_state:
        return
    for item in report.ml_state:
        seconds = "unknown" if item.seconds is None else f"{item.seconds:.1f} s"
        console.print(f"  ml state {item.item} {item.resource}: {seconds} ({item.evidence})")
    total = "unknown" if report.ml_state_lag_seconds is None else f"{report.ml_state_lag_seconds:.1f} s"
    console.print(f"ml state lag: {total}, budget {report.ml_state_budget_seconds} s")
