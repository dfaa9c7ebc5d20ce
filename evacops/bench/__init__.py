"""The bench: RTO against its floor as the application grows (``runs``), and each handler's cold start
(``cold_start``); its JSON (``evac bench --json``) is an evac result (``"kind": "bench"``)."""

from __future__ import annotations

from evacops.bench.cold_start import ImportTime, handler_modules, import_seconds, import_times, parse_importtime
from evacops.bench.runs import (
    COUNTS,
    POLICIES,
    RESOURCE_COUNTS,
    SEEDS,
    BenchReport,
    BenchRun,
    Policy,
    run_bench,
    write_json,
)
from evacops.bench.summary import Goal, Summary, goals, percentile, summarize

__all__ = [
    "COUNTS",
    "POLICIES",
    "RESOURCE_COUNTS",
    "SEEDS",
    "BenchReport",
    "BenchRun",
    "Goal",
    "ImportTime",
    "Policy",
    "Summary",
    "goals",
    "handler_modules",
    "import_seconds",
    "import_times",
    "parse_importtime",
    "percentile",
    "run_bench",
    "summarize",
    "write_json",
]
