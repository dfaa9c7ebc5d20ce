"""Measured tables, generated from a result's JSON rather than edited by hand: `evac tables RESULT.json`.

Each kind of result has its tables (Markdown): a drill its summary and phases, the bench its runs and goals, the
fault matrix its totals by fault and outcome. ``replace_marked`` puts them into a document between
``<!-- evac tables KIND begin -->`` and ``<!-- evac tables KIND end -->``::

    text = replace_marked(readme, "bench", markdown(read_file(Path("bench.json"))))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evacops.bench.summary import size_cell, size_column
from evacops.chaos.matrix import OUTCOMES, STATUSES, fault_totals

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from evacops.bench.runs import BenchReport
    from evacops.drill.report import DrillReport
    from evacops.journal import ChaosResult, Journaled


class MarkersMissingError(ValueError):
    """The document has no (or no well-ordered) begin and end markers for the result's kind."""


def markdown(result: Journaled) -> str:
    """The Markdown tables of any result (a drill, the bench, the fault matrix)."""
    from evacops.bench.runs import BenchReport
    from evacops.drill.report import DrillReport
    from evacops.journal import ChaosResult

    if isinstance(result, DrillReport):
        return drill_facts(result) + "\n\n" + drill_phases(result) + "\n"
    if isinstance(result, BenchReport):
        return bench_runs(result) + "\n\n" + bench_goals(result) + "\n"
    if isinstance(result, ChaosResult):
        return chaos_totals(result) + "\n"
    raise ValueError(f"no tables for a {result.kind} result")


def replace_marked(document: str, kind: str, tables: str) -> str:
    """``document`` with the text between the kind's markers replaced by ``tables``."""
    begin, end = f"<!-- evac tables {kind} begin -->", f"<!-- evac tables {kind} end -->"
    start, stop = document.find(begin), document.find(end)
    if start < 0 or stop < start:
        raise MarkersMissingError(f"no '{begin}' ... '{end}' markers, in that order")
    return document[: start + len(begin)] + "\n\n" + tables.strip() + "\n\n" + document[stop:]


def table(header: Sequence[str], align: str, rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table; ``align`` has one letter per column: ``l`` left, ``r`` right."""
    rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    return "\n".join([_row(header), rule, *(_row(row) for row in rows)])


def _row(cells: Sequence[Any]) -> str:
    return "|" + "|".join(f" {cell} " if str(cell) else " " for cell in cells) + "|"


def drill_facts(report: DrillReport) -> str:
    """What the drill did and measured, one fact a row."""
    facts = [
        ("Status", report.status),
        ("Run", report.incident_id or "-"),
        ("Move", f"{report.from_region} → {report.to_region} ({report.strategy or 'no change'})"),
        ("RTO", seconds(report.rto_seconds)),
        ("Predicted RTO", seconds(report.predicted_rto_seconds)),
        ("Critical path", seconds(report.critical_path_seconds)),
        ("Overhead ratio", f"{report.overhead_ratio:.3f}" if report.overhead_ratio else "-"),
        ("RPO estimate", seconds(report.rpo_seconds)),
        ("Writer region", report.writer_region or "-"),
        ("DNS region", report.dns_region or "split / none"),
        ("Runbooks started", str(report.executions)),
        ("Approver", report.approver or "-"),
    ]
    return table(("", ""), "ll", facts)


def drill_phases(report: DrillReport) -> str:
    """The run's phases, in modelled seconds since the incident began."""
    rows = [(p.name, f"{p.start:.1f}", f"{p.end:.1f}", f"{p.seconds:.1f}") for p in report.phases]
    return table(("phase", "start (s)", "end (s)", "seconds"), "lrrr", rows or [("(none: no runbook ran)", "", "", "")])


def bench_runs(report: BenchReport) -> str:
    """One row per scenario, endpoint (or resource) count and DNS policy over its seeds (modelled seconds, but wall
    time); each run is in the JSON."""
    counted = size_column(report.summary)
    header = (
        counted,
        "scenario",
        "DNS shift",
        "seeds (as expected)",
        "RTO p50",
        "RTO p95",
        "overhead p50",
        "overhead p95",
        "RTO(N)/RTO(1) p50",
        "RPO observed p50",
        "RPO observed p95",
        "history events (max)",
        "cold-start share p50",
        "wall p50 (s)",
    )
    rows = [
        (
            size_cell(row, counted),
            row.scenario,
            row.dns_policy,
            f"{row.seeds} ({row.expected})",
            _number(row.rto_p50, 1),
            _number(row.rto_p95, 1),
            _number(row.overhead_p50, 3),
            _number(row.overhead_p95, 3),
            _number(row.rto_ratio_to_one_p50, 3),
            _number(row.rpo_observed_p50, 2),
            _number(row.rpo_observed_p95, 2),
            row.history_events_max,
            "-" if row.cold_start_share_p50 is None else f"{row.cold_start_share_p50:.1%}",
            f"{row.wall_p50:.1f}",
        )
        for row in report.summary
    ]
    return table(header, "rll" + "r" * 11, rows)


def bench_goals(report: BenchReport) -> str:
    """Each goal, its target, what was measured and whether it was met."""
    rows = [(g.name, g.target, _number(g.value, 3), "met" if g.met else "not met") for g in report.goals]
    return table(("goal", "target", "measured", ""), "lrrl", rows)


def chaos_totals(result: ChaosResult) -> str:
    """The fault matrix's scenarios by fault kind, how they ended and what they left (clean, escalated, violated),
    with a row for all."""
    columns = ("scenarios", *STATUSES, *OUTCOMES, "violations")
    totals = fault_totals(result.results)
    rows = [(fault, *(row.get(c, 0) for c in columns)) for fault, row in totals.items()]
    rows.append(("all", *(sum(row.get(c, 0) for row in totals.values()) for c in columns)))
    return table(("fault", *columns), "l" + "r" * len(columns), rows)


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
