"""Faults on the paths the matrix's base scenarios never reach: the capacity fallback (a throttled UpdateEndpoint is
worth the runbook's retry, not a refusal that leaves the writer promoted and DNS behind), and a fault after effect
(the change is made, its answer lost)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos import Case, Site, run_case
from evacops.chaos.invariants import end_state
from evacops.chaos.policy import GLOBAL
from evacops.drill.engine import run_drill
from evacops.localcloud.faults import parse_fault

if TYPE_CHECKING:
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e

PLAN = load_plan(DEFAULT_PLAN)
TARGET = PLAN.regions.secondary


@pytest.mark.parametrize("kind", ["throttling", "5xx"])
def test_a_transient_fault_on_the_capacity_fallbacks_update_is_retried_and_the_run_succeeds(kind: str) -> None:
    site = Site("capacity-fallback", "CheckEndpointFunction", "sagemaker", "UpdateEndpoint", TARGET, None, 1, None,
                TARGET)  # fmt: skip

    result = run_case(Case(site, kind, "first"), plan=PLAN)  # type: ignore[arg-type]

    assert result.injected == 1
    assert (result.status, result.outcome, result.violations) == ("SUCCEEDED", "clean", [])
    assert result.writer_regions == [TARGET]
    assert result.dns_region == TARGET


def test_a_dns_change_whose_answer_is_lost_after_it_took_effect_is_retried_and_the_run_succeeds() -> None:
    # GIVEN ShiftDns's ChangeResourceRecordSets takes effect, then its answer is lost (a 5xx after the change)
    fault = parse_fault("ShiftDnsFunction/route53:ChangeResourceRecordSets:5xx+after-effect")
    seen: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        seen["verdict"] = end_state(cloud, report)
        seen["faulted"] = [c.at for c in cloud.faults.injected(fault)]
        seen["changes"] = [c["submitted"] for c in cloud.route53.history if c.get("world") is not None]

    report = run_drill("primary-outage", plan=PLAN, faults=[fault], inspect=inspect)

    assert len(seen["faulted"]) == 1
    # the change was made by the faulted call itself (its answer lost), not by the retry that followed
    assert abs(seen["changes"][0] - seen["faulted"][0]) < 1.0
    assert report.status == "SUCCEEDED"
    assert (report.writer_region, report.dns_region) == (TARGET, TARGET)
    assert seen["verdict"].outcome == "clean"


def test_a_lock_release_whose_answer_is_lost_after_it_took_effect_ends_succeeded_with_the_lock_gone() -> None:
    # GIVEN the runbook's ReleaseLock (DynamoDB DeleteItem, conditional on this incident) deletes the lock, then its
    # answer is lost: the retry finds no lock, so its condition fails
    fault = parse_fault("FailoverRunbook/dynamodb:DeleteItem:5xx+after-effect")
    seen: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        seen["verdict"] = end_state(cloud, report)
        seen["faulted"] = len(cloud.faults.injected(fault))
        seen["holder"] = cloud.truth.lock_holder(TARGET, PLAN.application)

    # WHEN a primary outage is played with it
    report = run_drill("primary-outage", plan=PLAN, faults=[fault], inspect=inspect)

    # THEN the run succeeds (nothing was left to release), the lock is gone and nothing is split
    assert seen["faulted"] == 1
    assert (report.status, report.error) == ("SUCCEEDED", None)
    assert seen["holder"] is None
    assert (report.writer_region, report.dns_region) == (TARGET, TARGET)
    assert seen["verdict"].outcome == "clean"


# The failure path's calls (RecordFailure's write, NotifyFailure's publish, ReleaseLockAfterFailure's delete): the
# matrix records its sites from clean runs, which never take this path.
FAILURE_PATH = (
    "RecordFunction/dynamodb:PutItem",
    "FailoverRunbook/sns:Publish",
    "FailoverRunbook/dynamodb:DeleteItem",
)


@pytest.mark.parametrize("call", FAILURE_PATH)
def test_a_failed_run_records_notifies_and_releases_its_lock_through_a_throttled_call_on_its_failure_path(
    call: str,
) -> None:
    # GIVEN a run that fails before it changes anything (preflight may not read the target's cluster) and one call of
    # its failure path throttled, every attempt of that call
    faults = [parse_fault("PreflightFunction/rds:DescribeDBClusters:access-denied"), parse_fault(f"{call}:throttling")]
    seen: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        seen["faulted"] = [len(cloud.faults.injected(fault)) for fault in faults]
        seen["verdict"] = end_state(cloud, report)

    # WHEN a primary outage is played with them
    report = run_drill("primary-outage", plan=PLAN, faults=faults, inspect=inspect)

    # THEN the run fails naming the denied read, and it is recorded, people are told and the lock is released all the
    # same (each step's Retry): a lock left held would hold the next failover back until its lease ended
    assert seen["faulted"] == [1, 1]
    assert report.status == "FAILED"
    assert "DescribeDBClusters" in (report.cause or "")
    assert (seen["verdict"].outcome, seen["verdict"].violations) == ("clean", [])


def test_a_planned_runs_preflight_asks_route53_again_when_its_control_plane_did_not_answer() -> None:
    # GIVEN preflight's ListHostedZonesByName times out on every attempt botocore makes (one call, all its retries)
    site = Site("planned-switchover", "PreflightFunction", "route53", "ListHostedZonesByName", GLOBAL, None, 1, None,
                TARGET)  # fmt: skip

    # WHEN a planned switchover is played with it
    result = run_case(Case(site, "timeout", "first"), plan=PLAN)  # type: ignore[arg-type]

    # THEN the runbook asks again (its Retry) rather than failing a planned run on one silent call
    assert result.injected >= 1
    assert (result.status, result.outcome, result.violations) == ("SUCCEEDED", "clean", [])
    assert (result.writer_regions, result.dns_region) == ([TARGET], TARGET)


def test_a_planned_runs_dns_step_asks_route53_again_when_its_control_plane_did_not_answer() -> None:
    # GIVEN a planned switchover (weights move its traffic: no data plane to fall back on) whose ShiftDns meets one
    # ListHostedZonesByName that times out on every attempt botocore makes
    site = Site("planned-switchover", "ShiftDnsFunction", "route53", "ListHostedZonesByName", GLOBAL, None, 1, None,
                TARGET, "runbook", PLAN.regions.primary)  # fmt: skip

    # WHEN the drill is played with it
    result = run_case(Case(site, "timeout", "first"), plan=PLAN)  # type: ignore[arg-type]

    # THEN the traffic step is asked again (for a bounded time) and the run completes, rather than switching the
    # database back over one silent call
    assert result.injected >= 1
    assert (result.status, result.outcome, result.violations) == ("SUCCEEDED", "clean", [])
    assert (result.writer_regions, result.dns_region) == ([TARGET], TARGET)


def test_a_ramps_capacity_check_denied_after_part_of_the_traffic_moved_escalates_with_the_commands() -> None:
    # GIVEN traffic follows capacity, and CheckEndpoint's DescribeEndpoint is denied from the ramp's first look on
    site = Site("traffic-follows-capacity", "CheckEndpointFunction", "sagemaker", "DescribeEndpoint", TARGET, None, 1,
                None, TARGET, "ramp", PLAN.regions.primary)  # fmt: skip

    # WHEN the drill is played with it
    result = run_case(Case(site, "access-denied", "first"), plan=PLAN)  # type: ignore[arg-type]

    # THEN the run does not end with writer and traffic apart in silence: it escalates with what to run by hand
    assert result.status == "FAILED"
    assert (result.outcome, result.violations) == ("escalated", [])
    assert result.error == "ManualCompletionRequiredError"
