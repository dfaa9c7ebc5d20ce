"""Drill inputs from events/ are written for the default plan's regions; a drill of another plan takes them by role."""

from __future__ import annotations

from pathlib import Path

import pytest

from evac.domain.models import RunbookInput
from evac.domain.plan import DEFAULT_PLAN, Regions, load_plan
from evacops.drill.scenarios import EVENTS, for_plan

EU_PLAN = load_plan(Path(__file__).resolve().parents[1] / "plans" / "eu-search.yaml")


def sample(name: str) -> RunbookInput:
    return RunbookInput.model_validate_json((EVENTS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "target", "incident"),
    [
        ("drill-planned.json", "eu-west-2", "drill-planned-switchover"),
        ("dry-run.json", "eu-west-2", "dry-run-to-eu-west-2"),
        ("failback.json", "eu-west-1", "failback-to-eu-west-1"),
        ("game-day.json", "eu-west-2", "game-day-2026-q4"),
    ],
)
def test_a_sample_input_names_the_plans_region_of_the_same_role(name: str, target: str, incident: str) -> None:
    request = for_plan(sample(name), EU_PLAN)

    assert (request.target_region, request.incident_id) == (target, incident)
    assert "us-" not in request.reason


def test_a_plan_that_swaps_the_default_regions_swaps_them_in_the_input() -> None:
    default = load_plan(DEFAULT_PLAN)
    swapped = default.model_copy(update={"regions": Regions(primary="us-west-2", secondary="us-east-1")})

    request = for_plan(sample("failback.json"), swapped)

    assert (request.target_region, request.incident_id) == ("us-west-2", "failback-to-us-west-2")
    assert for_plan(sample("drill-planned.json"), swapped).target_region == "us-east-1"


def test_an_input_for_the_default_plan_is_kept() -> None:
    request = sample("drill-planned.json")

    assert for_plan(request, load_plan(DEFAULT_PLAN)) == request
