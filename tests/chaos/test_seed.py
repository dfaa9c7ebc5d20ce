"""`evac chaos --seed`: the latencies every case (and the clean runs recording the call sites) plays on are drawn for
the seed, as `evac drill --seed` draws them; without one, the plan's expectations plus a margin, as before."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos import Case, Matrix, Site, run_case
from evacops.chaos.sites import SLOWER, chaos_latencies
from evacops.cli import app
from evacops.localcloud.fidelity import Latencies

PLAN = load_plan(DEFAULT_PLAN)
TARGET = PLAN.regions.secondary
FAST = 4  # a seed that draws every dependency faster than the plan expects (Aurora 46.7 s, scale-up 278.4 s)


def test_a_seed_draws_the_cases_latencies_as_the_drill_does_and_none_keeps_the_expectations_plus_a_margin() -> None:
    seeded, default = chaos_latencies(PLAN, FAST), chaos_latencies(PLAN)

    assert seeded == Latencies().drawn(FAST)
    assert chaos_latencies(PLAN, FAST + 1) == Latencies().drawn(FAST + 1) != seeded
    expected = PLAN.expectations
    assert (default.aurora_failover, default.endpoint_scale_up, default.dns_propagation) == (
        expected.database_promotion_seconds + SLOWER,
        expected.endpoint_scale_up_seconds + SLOWER,
        expected.dns_propagation_seconds + SLOWER,
    )


def test_the_matrix_json_and_its_help_carry_the_seed() -> None:
    assert Matrix(results=[], sites=[], wall_seconds=1.0, seed=FAST).to_json()["seed"] == FAST
    assert Matrix(results=[], sites=[], wall_seconds=1.0).to_json()["seed"] is None
    assert "--seed" in CliRunner().invoke(app, ["chaos", "--help"]).output


@pytest.mark.e2e
def test_a_seeded_case_plays_on_the_drawn_latencies() -> None:
    # GIVEN a case of the matrix (the database's promotion throttled once) and a seed drawing a fast scale-up
    site = Site("primary-outage", "PromoteDatabaseFunction", "rds", "FailoverGlobalCluster", TARGET, None, 1, None,
                TARGET)  # fmt: skip
    drawn, default = chaos_latencies(PLAN, FAST), chaos_latencies(PLAN)

    # WHEN the case is played with the seed
    result = run_case(Case(site, "throttling", "first"), plan=PLAN, seed=FAST)

    # THEN it ends as the matrix expects, and its RTO is what the draw allows: longer than the drawn scale-up, shorter
    # than the default latencies' scale-up alone (the endpoints' capacity is on every failover's critical path)
    assert (result.status, result.outcome, result.injected) == ("SUCCEEDED", "clean", 1)
    assert result.rto_seconds is not None
    assert drawn.endpoint_scale_up < result.rto_seconds < default.endpoint_scale_up
