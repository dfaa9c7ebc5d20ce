"""The second application, rag-assistant: its ECS service, global table, stream consumer and re-indexing schedule
recovered in the target beside the database and the endpoint, read from moto's own state, in each of its drills
(primary-outage, planned-switchover, region-blackout, failback); traffic moves only once the ECS service serves
there, and never to more than the capacity serving it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from evac.domain.plan import load_plan
from evac.domain.plan_resources import KINDS
from evacops.drill.resources import resources_recovered
from tests.e2e.conftest import RAG_PLAN

if TYPE_CHECKING:
    from evacops.drill import DrillReport
    from evacops.localcloud import LocalCloud
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e
TARGET_CONSUMER = "8e2d3c4b-5a6f-4b70-9c8d-0e1f2a3b4c52"


def phase(report: DrillReport, name: str) -> tuple[float, float]:
    found = next(p for p in report.phases if p.name == name)
    return found.start, found.end


def recovered_in(drilled: Drilled, target: str, strategy: str) -> None:
    """What a user of rag-assistant cares about after a drill, from the local cloud's ground truth: the run
    succeeded with ``strategy``, the writer and the traffic in ``target``, every resource of every kind in its
    expected state there (and, after a switchover, the pipelines off in the source), every record change within the
    capacity serving it, and the end state the fault matrix demands (one writer, lock released, run recorded and
    notified)."""
    report, plan = drilled.report, load_plan(RAG_PLAN)
    checks = {c.name: c for c in report.checks}
    assert (report.status, report.strategy) == ("SUCCEEDED", strategy), report.cause
    assert (report.to_region, report.writer_region, report.dns_region) == (target, target, target)
    assert checks["resources"].ok, checks["resources"].detail
    assert checks["resources"].detail.startswith(f"{len(plan.resources)} resource(s) recovered in {target}")
    assert {r.kind for r in plan.resources} == set(KINDS) - {
        "autoscaling-group",
        "custom",
        "eventbridge-rule",
    }  # the test plan's
    assert checks["traffic_within_capacity"].ok, checks["traffic_within_capacity"].detail
    assert all(c.ok for c in report.checks), [c for c in report.checks if not c.ok]
    assert drilled.violations == []


@pytest.mark.parametrize(
    ("label", "target", "strategy"),
    [
        ("rag-primary-outage", "us-west-2", "failover"),
        ("rag-planned-switchover", "us-west-2", "switchover"),
        ("rag-region-blackout", "us-west-2", "failover"),
        ("rag-failback", "us-east-1", "switchover"),
    ],
)
def test_every_drill_recovers_every_resource_where_the_traffic_goes(
    drilled: dict[str, Drilled], label: str, target: str, strategy: str
) -> None:
    recovered_in(drilled[label], target, strategy)


def test_traffic_moves_only_once_the_ecs_service_serves_in_the_target(drilled: dict[str, Drilled]) -> None:
    report = drilled["rag-primary-outage"].report

    _, recovered = phase(report, "resources")
    shifted, _ = phase(report, "dns")
    assert recovered <= shifted


def test_a_region_blackout_never_waits_on_the_dark_primary(drilled: dict[str, Drilled]) -> None:
    """The source's consumer and schedule are left alone (``ungraceful: skip``): every call to the dark region is a
    bounded attempt, and the run still succeeds in the secondary."""
    checks = {c.name: c for c in drilled["rag-region-blackout"].report.checks}
    assert checks["primary_untouched"].ok, checks["primary_untouched"].detail


def test_a_failback_runs_both_ways_and_leaves_the_secondary_warm(drilled: dict[str, Drilled]) -> None:
    report = drilled["rag-failback"].report

    assert report.executions == 2
    assert report.from_region == "us-west-2"
    capacity = {(e.name, e.region): e.instances for e in report.endpoints}
    assert capacity == {("rag-assistant-llm", "us-east-1"): 2, ("rag-assistant-llm", "us-west-2"): 1}


def test_the_resources_verdict_fails_when_a_target_consumer_is_off() -> None:
    """Negative control: the same verdict, after the drill, with the target's consumer switched off behind it."""
    from evacops.drill import run_drill

    seen: list[bool] = []

    def break_it(cloud: LocalCloud, report: DrillReport) -> None:
        boto3.client("lambda", "us-west-2").update_event_source_mapping(UUID=TARGET_CONSUMER, Enabled=False)
        seen.append(resources_recovered(report, cloud.plan).ok)

    report = run_drill("primary-outage", plan=load_plan(RAG_PLAN), inspect=break_it)

    assert report.status == "SUCCEEDED"
    assert seen == [False]
