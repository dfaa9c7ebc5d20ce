"""An execution's history stays far from Step Functions' 25,000-event limit as endpoints grow and scale-ups run late:
under a tenth of it at 100 endpoints with a 3x slower scale-up (1,604 events measured: docs/runbook.md). Only the
scale-up Map grows with the endpoints (about ten events each), so under a twentieth at 10 endpoints leaves 100 under
a tenth."""

from __future__ import annotations

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill.engine import run_drill
from evacops.drill.variants import derive
from evacops.localcloud.fidelity import HISTORY_LIMIT, Latencies


def test_a_3x_slower_scale_up_of_10_endpoints_keeps_the_history_under_a_twentieth_of_the_limit() -> None:
    plan = derive(load_plan(DEFAULT_PLAN), endpoints=10)
    expected = plan.expectations
    slower = Latencies(
        endpoint_scale_up=3 * expected.endpoint_scale_up_seconds,
        endpoint_first_instance=3 * expected.endpoint_first_instance_seconds,
    )

    report = run_drill("primary-outage", plan=plan, latencies=slower)

    assert report.status == "SUCCEEDED", (report.error, report.cause)
    # the polls do not grow with the endpoints (one task a round); the scale-up Map does, a few events each
    assert 0 < report.history_events < HISTORY_LIMIT / 20
