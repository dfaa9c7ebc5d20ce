"""The bench: RTO against its floor as the application grows (``runs``), and each handler's cold start
(``cold_start``); its JSON (``evac bench --json``) is an evac result (``"kind": "bench"``)."""

from __future__ import annotations

from evacops.bench.cold_start import ImportTime, handler_modules, import_seconds, import_times, parse_importtime
from evacops.bench.runs import COUNTS, POLICIES, BenchReport, BenchRun, Goal, Policy, goals, run_bench, write_json

__all__ = [
    "COUNTS",
    "POLICIES",
    "BenchReport",
    "BenchRun",
    "Goal",
    "ImportTime",
    "Policy",
    "goals",
    "handler_modules",
    "import_seconds",
    "import_times",
    "parse_importtime",
    "run_bench",
    "write_json",
]
