"""The plan step on moto: switchover when planned, failover with the replication lag as RPO when unplanned."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from evac.errors import AlreadyActiveError, InvalidInputError
from evac.handlers import plan as plan_step
from tests.functional.emf import emitted_metrics

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.functional.conftest import Cloud

    ReadEvent = Callable[[str], dict[str, Any]]


def test_a_planned_drill_switches_over_to_us_west_2_losing_nothing(cloud: Cloud, read_event: ReadEvent) -> None:
    run = cloud.invoke(plan_step, read_event("drill-planned.json"))

    assert (run["strategy"], run["source_region"], run["target_region"]) == ("switchover", "us-east-1", "us-west-2")
    assert run["rpo_seconds"] == 0


def test_an_unplanned_drill_fails_over_estimating_the_seeded_replication_lag(
    cloud: Cloud, read_event: ReadEvent
) -> None:
    run = cloud.invoke(plan_step, read_event("drill-unplanned.json"))

    assert (run["strategy"], run["target_region"]) == ("failover", "us-west-2")
    assert run["rpo_seconds"] == pytest.approx(0.85)


def test_a_run_is_timed_on_the_modelled_clock(cloud: Cloud, read_event: ReadEvent) -> None:
    run = cloud.invoke(plan_step, read_event("drill-planned.json"))

    assert datetime.fromisoformat(run["started_at"]) == cloud.clock.now()
    assert datetime.fromisoformat(run["detected_at"]) == cloud.clock.now()


def test_an_unknown_mode_is_invalid_input_naming_the_mode(cloud: Cloud, read_event: ReadEvent) -> None:
    request = read_event("drill-planned.json") | {"mode": "sideways"}

    with pytest.raises(InvalidInputError, match=r"invalid PlanInput: request\.mode: "):
        cloud.invoke(plan_step, request)


def test_an_unknown_field_in_a_drill_input_is_invalid_input_naming_it(cloud: Cloud, read_event: ReadEvent) -> None:
    request = read_event("drill-planned.json") | {"target_regoin": "us-east-1"}

    with pytest.raises(InvalidInputError, match="target_regoin"):
        cloud.invoke(plan_step, request)


def test_a_drill_to_the_region_that_already_writes_is_refused(cloud: Cloud, read_event: ReadEvent) -> None:
    request = read_event("drill-planned.json") | {"target_region": "us-east-1"}

    with pytest.raises(AlreadyActiveError):
        cloud.invoke(plan_step, request)


def test_each_runbook_execution_counts_one_runbook_started_not_its_retries(
    cloud: Cloud, read_event: ReadEvent, capsys: pytest.CaptureFixture[str]
) -> None:
    request = read_event("drill-unplanned.json")
    capsys.readouterr()

    cloud.invoke(plan_step, {"request": request, "attempt": 0})
    first = emitted_metrics(capsys.readouterr().out)
    cloud.invoke(plan_step, {"request": request, "attempt": 1})  # the runbook retrying the step (Retry)
    retried = emitted_metrics(capsys.readouterr().out)

    assert (first["RunbooksStarted"], first["dimensions"]) == (1, {"service": "evac", "application": "fraud-scoring"})
    assert "RunbooksStarted" not in retried
