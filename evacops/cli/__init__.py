"""The `evac` command: drills, readiness, the fault matrix and the bench on the local cloud (or a deployed stack),
the runs evac recorded, and the recovery plan.

The CLI only parses arguments and prints: one module per command group (``drill``, ``readiness``, ``chaos``,
``bench``, ``decide``, ``runs``, ``plan``, ``tables``), the people's views in ``render``; the engines are
``evacops.drill``, ``evacops.chaos``, ``evacops.bench`` and ``evacops.stack``.
"""

from __future__ import annotations

import typer

from evacops.cli.bench import bench
from evacops.cli.chaos import chaos
from evacops.cli.decide import decide
from evacops.cli.drill import drill
from evacops.cli.plan import plan_app
from evacops.cli.readiness import readiness
from evacops.cli.runs import approve, history, reject, report
from evacops.cli.tables import tables

app = typer.Typer(
    help="evac fails an AI application over to its secondary AWS region and proves it recovered.\n\n"
    "Drills, readiness checks and the bench run on the local cloud (moto, two regions, one process) by default: "
    "the real template.yaml, the real state machine and the real Lambda handlers, on a scaled clock.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(plan_app, name="plan")
for command in (drill, readiness, chaos, decide, history, report, approve, reject, bench, tables):
    app.command()(command)
