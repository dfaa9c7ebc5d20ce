"""A drill's figures are the model's, not the machine's: on the virtual clock, two runs of the same drill report the
same RTO, critical path and phases, however busy the machine is while they play."""

from __future__ import annotations

import threading

import pytest

from evacops.drill import run_drill

pytestmark = pytest.mark.e2e


def figures(scenario: str) -> dict[str, object]:
    report = run_drill(scenario)
    assert report.expected, [c for c in report.checks if not c.ok]
    return {
        "rto_seconds": report.rto_seconds,
        "critical_path_seconds": report.critical_path_seconds,
        "phases": [(p.name, p.start, p.end, p.seconds) for p in report.phases],
        "full_capacity_seconds": report.full_capacity_seconds,
        "state_transitions": report.state_transitions,
        "lambda_invocations": report.lambda_invocations,
    }


def test_two_runs_of_the_default_drill_report_the_same_figures_while_the_machine_is_busy() -> None:
    quiet = figures("primary-outage")

    # GIVEN this process busy computing in another thread throughout the second run (it competes for the CPU and
    # the interpreter lock, and is no part of the simulation)
    stop = threading.Event()
    busy = threading.Thread(target=lambda: [None for _ in iter(stop.is_set, True)], daemon=True)
    busy.start()
    try:
        loaded = figures("primary-outage")
    finally:
        stop.set()
        busy.join()

    assert loaded == quiet
    assert quiet["rto_seconds"] is not None
