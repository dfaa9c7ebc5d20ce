"""What every `evac` command shares: the consoles, the --plan option and loading it, AWS errors as one line."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evac.errors import PlanError
from evacops.stack.readiness_function import ReadinessUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.plan import RecoveryPlan

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

PlanOption = Annotated[Path, typer.Option("--plan", help="The recovery plan (YAML or JSON).", show_default=True)]
SpeedOption = Annotated[float, typer.Option(help="Modelled seconds per wall second on the local cloud.", min=1.0)]
__all__ = ["DEFAULT_PLAN", "PlanOption", "SpeedOption", "aws", "console", "errors", "fail", "load"]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` on stderr (red, one line however narrow the terminal); the exit to raise:
    ``raise fail("bad input")``."""
    errors.print(f"[red]{message}[/]", soft_wrap=True)
    return typer.Exit(code)


def load(plan: Path) -> RecoveryPlan:
    """The recovery plan at ``plan``; a bad plan is one line naming the field, and exit code 2."""
    try:
        return load_plan(plan)
    except PlanError as exc:
        raise fail(str(exc)) from None


@contextmanager
def aws(action: str) -> Iterator[None]:
    """AWS errors (no credentials, no such stack, access denied) as one clear line and exit code 1."""
    try:
        yield
    except (BotoCoreError, ClientError, LookupError, ReadinessUnavailableError) as exc:
        raise fail(f"{action} failed: {exc}", 1) from None
