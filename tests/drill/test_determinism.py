"""A drill's figures are the model's, not the machine's: on the virtual clock, two runs of the same drill report the
same RTO, critical path and phases, however busy the machine is while they play."""

from __future__ import annotations

import threading

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill import run_drill
from evacops.localcloud.fidelity.latencies import Latencies

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


def test_a_seed_draws_the_same_latencies_every_time_and_the_critical_path_follows_them() -> None:
    first, again = run_drill("primary-outage", seed=7), run_drill("primary-outage", seed=7)
    drawn = Latencies().drawn(7)

    assert first.expected, [c for c in first.checks if not c.ok]
    assert (first.seed, first.rto_seconds, first.phases) == (again.seed, again.rto_seconds, again.phases)
    # the floor is what was drawn: the sustain window, the slower of promotion and scale-up, then DNS propagation
    sustain = load_plan(DEFAULT_PLAN).trigger.sustain_seconds
    slowest = max(drawn.aurora_failover, drawn.endpoint_scale_up)
    assert first.critical_path_seconds == pytest.approx(sustain + slowest + drawn.dns_propagation, abs=0.1)
    assert first.critical_path_seconds != Latencies().endpoint_scale_up + Latencies().dns_propagation + sustain
