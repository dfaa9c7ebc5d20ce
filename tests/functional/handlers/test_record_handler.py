"""The record step on moto: every run, successful or failed, leaves its record in the DynamoDB ledger."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3

from evac.handlers import record
from evac.handlers._step import logger as step_logger

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud


def ledger_entry(table: str, incident_id: str) -> dict[str, Any]:
    item = boto3.client("dynamodb", "us-west-2").get_item(TableName=table, Key={"pk": {"S": f"run#{incident_id}"}})
    return dict(item["Item"])


def test_a_failed_run_is_written_to_the_ledger_with_its_error(
    cloud: Cloud, runs_table: str, planned_run: dict[str, Any]
) -> None:
    failure = {"run": planned_run, "error": {"Error": "PreflightFailedError", "Cause": "endpoint is missing"}}

    result = cloud.invoke(record, failure)

    entry = ledger_entry(runs_table, "drill-planned-switchover")
    assert entry["outcome"] == {"S": "FAILED"}
    assert json.loads(entry["record"]["S"]) == result
    assert (result["error"], result["cause"]) == ("PreflightFailedError", "endpoint is missing")
    assert result["rpo_seconds"] == 0


def test_a_verified_run_is_written_to_the_ledger_with_its_rto(
    cloud: Cloud, runs_table: str, planned_run: dict[str, Any]
) -> None:
    # GIVEN the state document of a run that verified 90 modelled seconds after it started
    started = planned_run["started_at"]
    cloud.wait(90)
    now = cloud.clock.now().isoformat()
    finished = {"started_at": started, "attempt": 1, "done": True, "ended_at": now}
    state = {
        "run": planned_run,
        "preflight": {"checks": [], "started_at": started, "ended_at": started},
        "promotion": [finished, [finished | {"ref": "fraud-scoring-xgb"}]],
        "dns": finished,
        "verification": {
            "writer_region": "us-west-2",
            "dns_region": "us-west-2",
            "weights": {"fraud-scoring-use1": 0, "fraud-scoring-usw2": 100},
            "canaries": [],
            "started_at": now,
            "ended_at": now,
        },
    }

    cloud.invoke(record, state)

    written = json.loads(ledger_entry(runs_table, "drill-planned-switchover")["record"]["S"])
    assert (written["outcome"], written["rto_seconds"]) == ("SUCCEEDED", 90.0)


def test_a_run_that_failed_in_planning_is_written_under_its_execution_name(cloud: Cloud, runs_table: str) -> None:
    failure = {
        "execution": "drill-planned-switchover",
        "request": {"incident_id": "drill-planned-switchover", "mode": "planned"},
        "error": {"Error": "AlreadyActiveError", "Cause": "us-west-2 already holds the writer"},
    }

    cloud.invoke(record, failure)

    assert ledger_entry(runs_table, "drill-planned-switchover")["outcome"] == {"S": "FAILED"}


def test_the_log_lines_of_a_run_that_failed_in_planning_carry_its_incident_id(cloud: Cloud, runs_table: str) -> None:
    failure = {
        "execution": "drill-planned-switchover",
        "request": {"incident_id": "drill-planned-switchover", "mode": "planned"},
        "error": {"Error": "AlreadyActiveError", "Cause": "us-west-2 already holds the writer"},
    }

    cloud.invoke(record, failure)

    assert step_logger.get_correlation_id() == "drill-planned-switchover"


def test_the_log_lines_of_a_planned_run_carry_its_incident_id(
    cloud: Cloud, runs_table: str, planned_run: dict[str, Any]
) -> None:
    cloud.invoke(record, {"run": planned_run, "error": {"Error": "PreflightFailedError"}})

    assert step_logger.get_correlation_id() == "drill-planned-switchover"
