"""Every invariant of the fault matrix can fail: each negative control seeds a violation (a runbook variant, a world
edited after the run, a fault that never meets a call) and the invariant it names must report it."""

from __future__ import annotations

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos.controls import controls, play_control
from evacops.chaos.invariants import Verdict

pytestmark = pytest.mark.e2e

PLAN = load_plan(DEFAULT_PLAN)
CONTROLS = controls(PLAN)


def test_every_invariant_has_a_negative_control() -> None:
    invariants = {"one_writer", "dns_at_writer", "capacity", "lock_released", "run_record", "notified", "exercised",
                  "outcome", "one_runbook", "evidence", "fail_closed"}  # fmt: skip

    assert {c.catches for c in CONTROLS} == invariants
    assert len(CONTROLS) >= 8


@pytest.mark.parametrize("control", CONTROLS, ids=[c.name for c in CONTROLS])
def test_the_negative_control_is_caught_by_its_invariant(control: object) -> None:
    result = play_control(control, plan=PLAN)  # type: ignore[arg-type]

    assert result.caught, (result.name, result.violations)


def test_a_run_left_split_is_violated_and_an_escalation_is_not() -> None:
    assert Verdict(["dns_at_writer: split"]).outcome == "violated"
    assert Verdict([], escalation="ManualCompletionRequiredError: split").outcome == "escalated"
    assert Verdict().outcome == "clean"
