"""The disaster itself: a region that goes dark, and failures with no good outcome. Outcomes, not call counts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import boto3
import pytest

from evac.aws.dynamodb import Ledger
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill.scenarios import EVENTS
from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e

_PLAN = load_plan(DEFAULT_PLAN)


def test_a_region_blackout_fails_over_from_the_secondary_alone(drilled: dict[str, Drilled]) -> None:
    played = drilled["region-blackout"]
    report = played.report

    assert report.status == "SUCCEEDED"
    assert report.strategy == "failover"
    assert report.writer_region == report.dns_region == report.to_region == "us-west-2"
    assert report.expected, [c for c in report.checks if not c.ok]
    # THEN nothing reached the dark region, and every attempt cost at most one bounded timeout
    dark = [c for c in played.calls if c.region == "us-east-1"]
    assert dark
    assert all(c.fault == "blackout" for c in dark)
    # THEN it was detected from outside the dark region (and outside us-east-1's control planes), and the traffic
    # moved on a data plane
    assert report.detected_by
    assert all(signal.lives_in != "us-east-1" for signal in report.detected_by), report.detected_by
    assert report.dns_mechanism != "record-weights"


def test_a_region_blackout_costs_the_runbook_no_more_than_an_outage(drilled: dict[str, Drilled]) -> None:
    outage, blackout = drilled["primary-outage"].report, drilled["region-blackout"].report

    assert outage.rto_seconds is not None
    assert blackout.rto_seconds is not None
    # detected from outside: within one probe period of the outage the probes saw while the region still answered
    assert _PLAN.probes is not None
    assert blackout.rto_seconds - outage.rto_seconds < _PLAN.probes.period_seconds


def test_a_planned_switchover_asked_of_a_dark_primary_fails_over_after_one_bounded_probe() -> None:
    # GIVEN the primary has gone dark
    with LocalCloud() as cloud:
        cloud.faults.blackout("us-east-1")

        # WHEN a person starts the planned drill
        request = json.loads((EVENTS / "drill-planned.json").read_text(encoding="utf-8"))
        runbook = cloud.stacks["us-west-2"].runbook_arn
        boto3.client("stepfunctions", "us-west-2").start_execution(
            stateMachineArn=runbook, name=request["incident_id"], input=json.dumps(request)
        )
        cloud.quiesce()

        # THEN the probe of the primary timed out once, and the run failed over without it
        probes = [c for c in cloud.faults.calls if c.caller == "PlanFunction" and c.region == "us-east-1"]
        assert [(c.operation, c.attempts, c.fault) for c in probes] == [("DescribeDBClusters", 1, "blackout")]
        record = Ledger(cloud.stacks["us-west-2"].table, "us-west-2").get(request["incident_id"])
        assert record is not None
        assert (record["outcome"], record["strategy"]) == ("SUCCEEDED", "failover")
        assert any("did not answer" in w for w in record["warnings"])
        assert cloud.writer_region() == cloud.dns_region() == "us-west-2"


@pytest.mark.parametrize(
    ("scenario", "error", "writer"),
    [
        ("capacity-shortfall", "ManualCompletionRequiredError", None),  # promoted: escalated
        ("failover-rejected", "DatabasePromotionError", "us-east-1"),
    ],
)
def test_a_failure_with_no_good_outcome_stops_before_dns_recorded_and_notified(
    drilled: dict[str, Drilled], scenario: str, error: str, writer: str | None
) -> None:
    report = drilled[scenario].report

    assert (report.status, report.error) == ("FAILED", error)
    assert report.dns_region == "us-east-1"
    assert report.outcome == "FAILED"
    assert any(report.incident_id in m and error in m for m in report.notifications)
    if writer:
        assert report.writer_region == writer
    assert report.expected, [c for c in report.checks if not c.ok]


def test_a_capacity_shortfall_names_the_types_tried_and_sagemakers_reason(drilled: dict[str, Drilled]) -> None:
    report = drilled["capacity-shortfall"].report

    assert report.cause is not None
    assert "InsufficientInstanceCapacity" in report.cause
    assert "ml.g4dn.xlarge" in report.cause  # the planned type, then each fallback, tried in order
    standby = next(e for e in report.endpoints if e.region == "us-west-2")
    assert (standby.status, standby.instances) == ("InService", 1)  # every scale-up rolled back to the standby
