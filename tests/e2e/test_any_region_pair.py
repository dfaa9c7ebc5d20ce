"""Any two commercial regions: the second plan (tests/plans/eu-search.yaml: semantic-search, eu-west-1 serving,
eu-west-2 standing by, three endpoints unlike each other, its own names, DNS and alarms) fails over, switches over
and survives a blackout of its primary on the local cloud, is ready, and runs under the bench and the fault matrix.

Each drill is played once per session (``eu_drilled``); the tests assert what a user would check: where the writer
and the traffic ended, how many runbooks ran, each endpoint's capacity in the target, what reached the dark region.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from evac.domain.plan import load_plan
from evacops.bench import run_bench
from evacops.chaos import run_case
from evacops.chaos.sites import cases, record_sites, subset
from evacops.drill import run_drill
from evacops.stack import readiness_function as readiness

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.drill import DrillReport

pytestmark = pytest.mark.e2e

EU_PLAN = Path(__file__).resolve().parents[1] / "plans" / "eu-search.yaml"
PLAYED = ("primary-outage", "planned-switchover", "region-blackout")


@pytest.fixture(scope="session")
def eu_plan() -> RecoveryPlan:
    return load_plan(EU_PLAN)


@pytest.fixture(scope="session")
def eu_drilled(eu_plan: RecoveryPlan) -> dict[str, DrillReport]:
    """Each drill of the done-when line, played once on the second plan."""
    return {scenario: run_drill(scenario, plan=eu_plan) for scenario in PLAYED}


def test_the_second_plan_is_neither_us_east_1_nor_the_default_names(eu_plan: RecoveryPlan) -> None:
    # The point of the plan: nothing here may lean on the default plan's regions or names.
    assert set(eu_plan.regions.both).isdisjoint({"us-east-1", "us-west-2"})
    assert eu_plan.application != "fraud-scoring"
    assert len(eu_plan.inference.endpoints) == 3
    assert len({(e.instance_type, e.active_instances, e.variant) for e in eu_plan.inference.endpoints}) == 3


@pytest.mark.parametrize("scenario", PLAYED)
def test_each_drill_ends_with_writer_and_traffic_in_eu_west_2(
    eu_drilled: dict[str, DrillReport], scenario: str
) -> None:
    report = eu_drilled[scenario]

    assert report.expected, [c for c in report.checks if not c.ok]
    assert report.status == "SUCCEEDED"
    assert report.executions == 1
    assert (report.from_region, report.to_region) == ("eu-west-1", "eu-west-2")
    assert report.writer_region == report.dns_region == "eu-west-2"


@pytest.mark.parametrize("scenario", PLAYED)
def test_every_endpoint_serves_its_own_capacity_in_the_target(
    eu_drilled: dict[str, DrillReport], eu_plan: RecoveryPlan, scenario: str
) -> None:
    served = {(e.name, e.status, e.instances) for e in eu_drilled[scenario].endpoints if e.region == "eu-west-2"}

    assert served == {(e.name, "InService", e.active_instances) for e in eu_plan.inference.endpoints}


def test_the_unplanned_drills_fail_over_and_the_planned_one_switches_over(
    eu_drilled: dict[str, DrillReport],
) -> None:
    strategies = {scenario: report.strategy for scenario, report in eu_drilled.items()}

    assert strategies == {
        "primary-outage": "failover",
        "planned-switchover": "switchover",
        "region-blackout": "failover",
    }
    assert eu_drilled["planned-switchover"].rpo_seconds == 0


def test_the_blackout_of_eu_west_1_is_survived_from_eu_west_2_alone(eu_drilled: dict[str, DrillReport]) -> None:
    checks = {c.name: c for c in eu_drilled["region-blackout"].checks}

    assert checks["primary_untouched"].ok, checks["primary_untouched"].detail
    assert "dark eu-west-1" in checks["primary_untouched"].detail


def test_the_planned_switchover_is_started_with_the_sample_input_for_this_plans_regions(
    eu_drilled: dict[str, DrillReport],
) -> None:
    # events/drill-planned.json names the default plan's secondary; the drill takes it by role.
    report = eu_drilled["planned-switchover"]

    assert report.incident_id == "drill-planned-switchover"
    assert report.to_region == "eu-west-2"


def test_readiness_of_the_second_plan_is_ready(eu_plan: RecoveryPlan) -> None:
    report = readiness.on_local_cloud(eu_plan)

    assert report.ready, report.blocking
    assert report.target_region == "eu-west-2"


def test_the_bench_runs_on_the_second_plan_with_its_own_endpoints(eu_plan: RecoveryPlan) -> None:
    report = run_bench([3], ["scale-then-shift"], imports=False, plan=eu_plan, switchover=False)

    [measured] = report.runs
    assert (measured.endpoints, measured.status, measured.expected) == (3, "SUCCEEDED", True)


def test_a_fault_of_the_matrix_on_the_second_plan_breaks_no_invariant(eu_plan: RecoveryPlan) -> None:
    # One smoke case (the default plan runs the representative subset: test_chaos.py): Aurora throttles the failover.
    sites = record_sites(("primary-outage",), plan=eu_plan)
    [case, *_] = subset(cases(sites))

    result = run_case(case, plan=eu_plan)

    assert result.injected
    assert result.violations == []
    assert result.writer_regions == ["eu-west-2"]
