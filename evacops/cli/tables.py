"""`evac tables`: the Markdown tables of a result's JSON, printed or put between markers in a document."""

from __future__ import annotations

from pathlib import Path  # noqa: TC003 - typer reads the annotations at run time
from typing import Annotated

import typer

from evacops.cli.common import fail
from evacops.journal import UnreadableResultError, read_file
from evacops.reports.tables import MarkersMissingError, markdown, replace_marked


def tables(
    result: Annotated[
        Path, typer.Argument(help="A result's JSON: `evac drill --json`, `evac bench --json` or `evac chaos --json`.")
    ],
    into: Annotated[
        Path | None,
        typer.Option(
            "--into",
            help="Replace the text between `<!-- evac tables KIND begin -->` and `<!-- evac tables KIND end -->` "
            "in this file (KIND: the result's kind) instead of printing.",
        ),
    ] = None,
) -> None:
    """Print the measured tables of a result, as Markdown: generated from the run, never edited by hand.

    A drill gives its summary and phase table; the bench its runs table and goals table; the fault matrix its
    totals by fault kind and outcome.

    With --into FILE the tables replace the text between the result's two markers in FILE (KIND is the result's
    kind: drill, bench or chaos); without both markers nothing is written and the command exits 2:

      <!-- evac tables KIND begin -->

      <!-- evac tables KIND end -->

    Examples:

      evac tables bench.json

      evac bench --json bench.json && evac tables bench.json --into docs/performance.md

      evac chaos --jobs 2 --json chaos.json && evac tables chaos.json --into docs/resilience.md
    """
    try:
        found = read_file(result)
        text = markdown(found)
    except OSError as exc:
        raise fail(f"cannot read {result}: {exc.strerror}") from None
    except (UnreadableResultError, ValueError) as exc:
        raise fail(f"{result}: {exc}") from None
    if into is None:
        typer.echo(text, nl=False)
        return
    try:
        document = into.read_text(encoding="utf-8")
        into.write_text(replace_marked(document, found.kind, text), encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot update {into}: {exc.strerror}") from None
    except MarkersMissingError as exc:
        raise fail(f"{into}: {exc}") from None
    typer.echo(f"{into}: {found.kind} tables updated from {result}")
