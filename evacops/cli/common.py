"""What every `evac` command shares: the consoles, the --plan option and loading it, AWS errors as one line."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.markup import escape

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evac.errors import PlanError
from evacops.localcloud.support import UnsupportedSetupError, check_plan
from evacops.stack.readiness_function import ReadinessUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.plan import RecoveryPlan

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

PlanOption = Annotated[Path, typer.Option("--plan", help="The recovery plan (YAML or JSON).", show_default=True)]
__all__ = ["DEFAULT_PLAN", "PlanOption", "aws", "console", "errors", "fail", "load", "local_setup"]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` on stderr (red, one line however narrow the terminal); the exit to raise:
    ``raise fail("bad input")``."""
    errors.print(f"[red]{escape(' '.join(message.split()))}[/]", soft_wrap=True)
    return typer.Exit(code)


def load(plan: Path, *, local: bool = False) -> RecoveryPlan:
    """The recovery plan at ``plan``; a bad plan (one naming a region AWS does not have, too) is one line naming the
    field, and exit code 2.

    ``local``: the plan is for the local cloud, which must be able to model it (any two commercial regions); one that
    cannot is one line saying why, and exit code 2, before anything starts.
    """
    try:
        loaded = load_plan(plan)
        check_plan(loaded, local=local)
    except (PlanError, UnsupportedSetupError) as exc:
        raise fail(str(exc)) from None
    return loaded


@contextmanager
def local_setup() -> Iterator[None]:
    """A plan the local cloud could not set up (moto refused part of its seeding) as one line and exit code 2."""
    try:
        yield
    except UnsupportedSetupError as exc:
        raise fail(str(exc)) from None


@contextmanager
def aws(action: str) -> Iterator[None]:
    """AWS errors (no credentials, no such stack, access denied) as one clear line and exit code 1."""
    try:
        yield
    except (BotoCoreError, ClientError, LookupError, ReadinessUnavailableError) as exc:
        raise fail(f"{action} failed: {exc}", 1) from None
