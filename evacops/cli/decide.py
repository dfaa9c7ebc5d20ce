"""`evac decide`: what the trigger policy would do with an alarm event (``evacops.decide``), with no side effect."""

from __future__ import annotations

import json
from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated

import typer

from evacops.cli.common import DEFAULT_PLAN, PlanOption, console, fail, load
from evacops.decide import account_to_screen
from evacops.decide import decide as evaluate


def decide(
    event: Annotated[
        Path, typer.Option("--event", "-e", help="An alarm event (JSON), e.g. events/alarm-health-check.json.")
    ],
    plan: PlanOption = DEFAULT_PLAN,
    alarming: Annotated[
        list[str] | None,
        typer.Option("--alarming", "-a", help="Assume this plan alarm is in ALARM too (repeat for more)."),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="Screen as the stack in this AWS account: an event from another account is ignored, as the deployed"
            " trigger ignores it. Default: the account of your credentials (STS GetCallerIdentity) when reachable,"
            " else the plan's `account` if it names one, else none (every account is taken as the stack's own).",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """What would happen if this alarm fired? Prints start, wait, ignore or reject, the reason and the runbook
    execution it would start. Nothing is called, nothing changes.

    The event's alarm is assumed to hold through the plan's sustain window and every other alarm to be OK (unless
    named with --alarming); the failing region still writes, no failover happened recently, nothing is paused.
    The event is screened as the trigger screens it, in the account given by --account (see there for the default).

    Examples:

      evac decide --event events/alarm-inference-5xx.json

      evac decide -e events/alarm-inference-5xx.json --alarming fraud-scoring-health-check --json
    """
    loaded = load(plan)
    try:
        document = json.loads(event.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise fail(f"cannot read {event}: {exc}") from None
    unknown = [name for name in alarming or [] if loaded.alarm(name) is None]
    if unknown:
        raise fail(f"--alarming names alarms that are not in the plan: {', '.join(unknown)}")
    if account is not None and not (len(account) == 12 and account.isdigit()):
        raise fail(f"--account {account!r} is not an AWS account id (12 digits)")
    screened_as, source = account_to_screen(account, loaded)
    answer = evaluate(document, loaded, alarming=alarming or [], account=screened_as, account_source=source)
    if json_output:
        typer.echo(answer.model_dump_json(indent=2))
        return
    colour = {"start": "green", "wait": "yellow", "ignore": "dim", "reject": "red"}[answer.decision]
    console.print(f"[bold {colour}]{answer.decision}[/]: {answer.reason}")
    if answer.account:
        console.print(f"[dim]screened as account {answer.account} (from {answer.account_source})[/]")
    else:
        console.print("[dim]no account known (no credentials, none in the plan): every account taken as the stack's[/]")
    if answer.execution:
        console.print(f"would start runbook execution [bold]{answer.execution}[/] in {answer.stack_region}")
    elif answer.incident:
        console.print(f"incident {answer.incident} (stack in {answer.stack_region}) waits for more alarms")
