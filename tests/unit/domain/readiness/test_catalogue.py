"""The catalogue is the whole list: every check readiness runs is in it, with its severity, and every one runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from evac.domain.readiness import assess
from evac.domain.readiness.catalogue import CATALOGUE
from tests.fakes.dns import FakeRecordHealth

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.dns import FakeRecordSets
    from tests.fakes.readiness import FakeRegion

pytestmark = pytest.mark.usefixtures("frozen_clock")


def test_the_bundled_plan_runs_every_catalogued_check_with_its_severity(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    # a remediation template naming a fact its family does not give would raise here (they are filled eagerly)
    health = FakeRecordHealth.healthy(*plan.regions.both)
    report = assess(plan, source=primary.reads_as(), target=secondary.reads_as(), records=record_sets, health=health)

    assert {c.name for c in report.checks} == set(CATALOGUE)
    assert {c.name: c.severity for c in report.checks} == {name: spec.severity for name, spec in CATALOGUE.items()}


def test_a_check_that_does_not_pass_says_what_to_do_in_the_target_region(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.down = True

    report = assess(plan, source=primary.reads_as(), target=secondary.reads_as(), records=record_sets)

    unread = [c for c in report.checks if c.status == "unknown"]
    assert unread
    assert all(c.remediation and "{" not in c.remediation for c in unread)
    assert "Deploy fraud-scoring-xgb in us-west-2 with variant AllTraffic" in next(
        c.remediation for c in unread if c.name == "sagemaker.endpoint_in_service"
    )
