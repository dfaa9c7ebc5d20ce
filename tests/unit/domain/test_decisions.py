"""Decisions taken once per run: strategy, incident identity, RPO estimate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evac.domain.decisions import choose_strategy, estimate_rpo, incident_id
from evac.domain.models import RunbookInput

WINDOW = 900
MOMENTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))


def incident(at: datetime) -> str:
    return incident_id("fraud-scoring", "us-east-1", "us-west-2", at, window_seconds=WINDOW)


def window_start(at: datetime) -> datetime:
    return datetime.fromtimestamp(int(at.timestamp()) // WINDOW * WINDOW, tz=UTC)


def test_a_planned_run_switches_over_when_the_primary_answers() -> None:
    assert choose_strategy("planned", primary_answers=True) == "switchover"


def test_a_planned_run_fails_over_when_the_primary_does_not_answer() -> None:
    assert choose_strategy("planned", primary_answers=False) == "failover"


@pytest.mark.parametrize("primary_answers", [True, False])
def test_an_unplanned_run_always_fails_over(primary_answers: bool) -> None:
    assert choose_strategy("unplanned", primary_answers=primary_answers) == "failover"


def test_incident_id_names_the_application_the_regions_and_the_window() -> None:
    at = datetime(2026, 11, 27, 10, 7, 31, tzinfo=UTC)

    assert incident(at) == "fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z"


@given(at=MOMENTS)
def test_alarms_within_one_window_share_one_incident_id(at: datetime) -> None:
    assert incident(at) == incident(window_start(at)) == incident(window_start(at) + timedelta(seconds=WINDOW - 1))


@given(at=MOMENTS)
def test_alarms_in_the_next_window_are_a_new_incident(at: datetime) -> None:
    assert incident(at) != incident(at + timedelta(seconds=WINDOW))


@given(at=MOMENTS)
def test_incident_id_is_a_valid_execution_name(at: datetime) -> None:
    RunbookInput(incident_id=incident(at), mode="unplanned")


@pytest.mark.parametrize("lag", [0.0, 3.2, None])
def test_a_switchover_loses_no_data_whatever_the_lag(lag: float | None) -> None:
    assert estimate_rpo("switchover", lag) == 0.0


def test_a_failover_loses_about_the_replication_lag() -> None:
    assert estimate_rpo("failover", 0.85) == 0.85


def test_a_failover_rpo_is_unknown_without_a_lag_reading() -> None:
    assert estimate_rpo("failover", None) is None
