"""The `evac` command: drills, readiness, the fault matrix and the bench on the local cloud (or a deployed stack),
the runs evac recorded, and the recovery plan.

The CLI only parses arguments and prints: one module per command group (``drill``, ``readiness``, ``chaos``,
``bench``, ``decide``, ``runs``, ``plan``, ``tables``), the people's views in ``render``; the engines are
``evacops.drill``, ``evacops.chaos``, ``evacops.bench`` and ``evacops.stack``.
"""

from __future__ import annotations

import typer

from evacops.cli import bench, chaos, decide, drill, plan, readiness, runs, tables

app = typer.Typer(
    help="evac fails an AI application over to its secondary AWS region and proves it recovered.\n\n"
    "Drills, readiness checks and the bench run on the local cloud (moto, two regions, one process) by default: "
    "the real template.yaml, the real state machine and the real Lambda handlers, in virtual time.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.command()(drill.drill)
app.command()(readiness.readiness)
app.command()(chaos.chaos)
app.command()(decide.decide)
app.command()(runs.history)
app.command()(runs.report)
app.command()(runs.approve)
app.command()(runs.reject)
app.command()(bench.bench)
app.command()(tables.tables)
app.add_typer(plan.plan_app, name="plan")
