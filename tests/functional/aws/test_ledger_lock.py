"""The application's lock as the watch reads it on moto: held by a run in flight within its lease, free once the
lease expired (the runbook's AcquireLock takes it over then)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
import pytest

from evac.aws.dynamodb import Ledger, lock_key

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud

REGION = "us-west-2"
NOW = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)


def hold(table: str, expires_at: str | None) -> None:
    """The lock as the runbook's AcquireLock writes it (the plan step's clock, ISO 8601)."""
    item = {"pk": {"S": lock_key("fraud-scoring")}, "incident_id": {"S": "inc-1"}}
    if expires_at is not None:
        item["expires_at"] = {"S": expires_at}
    boto3.client("dynamodb", REGION).put_item(TableName=table, Item=item)


@pytest.mark.parametrize(
    ("expires_at", "in_flight"),
    [
        ((NOW + timedelta(minutes=50)).isoformat(), "inc-1"),
        ((NOW - timedelta(seconds=1)).isoformat(), None),
        (None, "inc-1"),
        ("tomorrow", "inc-1"),
    ],
    ids=["within-its-lease", "lease-expired", "no-lease", "unreadable-lease"],
)
def test_a_run_is_in_flight_while_it_holds_the_lock_within_its_lease(
    cloud: Cloud, runs_table: str, expires_at: str | None, in_flight: str | None
) -> None:
    hold(runs_table, expires_at)

    assert Ledger(runs_table, REGION).run_in_flight("fraud-scoring", NOW) == in_flight


def test_no_lock_is_no_run_in_flight(cloud: Cloud, runs_table: str) -> None:
    assert Ledger(runs_table, REGION).run_in_flight("fraud-scoring", NOW) is None
