"""The second application, rag-assistant: its ECS service, global table, stream consumer and re-indexing schedule
recovered in the target beside the database and the endpoint, read from moto's own state; traffic moves only once
the ECS service serves there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from evacops.drill.resources import resources_recovered

if TYPE_CHECKING:
    from evacops.drill import DrillReport
    from evacops.localcloud import LocalCloud
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e
TARGET_CONSUMER = "8e2d3c4b-5a6f-4b70-9c8d-0e1f2a3b4c52"


def phase(report: DrillReport, name: str) -> tuple[float, float]:
    found = next(p for p in report.phases if p.name == name)
    return found.start, found.end


def test_a_primary_outage_recovers_every_resource_in_the_target(drilled: dict[str, Drilled]) -> None:
    report = drilled["rag-primary-outage"].report

    checks = {c.name: c for c in report.checks}
    assert report.status == "SUCCEEDED"
    assert (report.writer_region, report.dns_region) == ("us-west-2", "us-west-2")
    assert checks["resources"].ok, checks["resources"].detail
    assert all(c.ok for c in report.checks), [c for c in report.checks if not c.ok]


def test_traffic_moves_only_once_the_ecs_service_serves_in_the_target(drilled: dict[str, Drilled]) -> None:
    report = drilled["rag-primary-outage"].report

    _, recovered = phase(report, "resources")
    shifted, _ = phase(report, "dns")
    assert recovered <= shifted


def test_a_planned_switchover_switches_the_pipelines_off_in_the_source(drilled: dict[str, Drilled]) -> None:
    report = drilled["rag-planned-switchover"].report

    checks = {c.name: c for c in report.checks}
    assert report.status == "SUCCEEDED"
    assert report.strategy == "switchover"
    assert checks["resources"].ok, checks["resources"].detail


def test_the_resources_verdict_fails_when_a_target_consumer_is_off() -> None:
    """Negative control: the same verdict, after the drill, with the target's consumer switched off behind it."""
    from evac.domain.plan import load_plan
    from evacops.drill import run_drill
    from tests.e2e.conftest import RAG_PLAN

    seen: list[bool] = []

    def break_it(cloud: LocalCloud, report: DrillReport) -> None:
        boto3.client("lambda", "us-west-2").update_event_source_mapping(UUID=TARGET_CONSUMER, Enabled=False)
        seen.append(resources_recovered(report, cloud.plan).ok)

    report = run_drill("primary-outage", plan=load_plan(RAG_PLAN), inspect=break_it)

    assert report.status == "SUCCEEDED"
    assert seen == [False]
