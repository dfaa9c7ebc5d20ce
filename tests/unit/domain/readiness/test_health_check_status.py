"""route53.health_check_status: the target's record set will be answered once traffic moves, read from where its
health check's status lives (the alarm, the routing control, Route 53's checkers), never assumed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from evac.domain.readiness.dns import HealthReading, dns_checks
from tests.fakes.dns import FakeRecordHealth

if TYPE_CHECKING:
    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.dns import FakeRecordSets

pytestmark = pytest.mark.usefixtures("frozen_clock")
SOURCE, TARGET = "us-east-1", "us-west-2"


def status(plan: RecoveryPlan, record_sets: FakeRecordSets, health: FakeRecordHealth) -> ReadinessCheck:
    found = list(dns_checks(plan, record_sets, source=SOURCE, target=TARGET, health=health))
    return next(c for c in found if c.name == "route53.health_check_status")


def with_mechanism(plan: RecoveryPlan, mechanism: str) -> RecoveryPlan:
    return plan.model_copy(update={"dns": plan.dns.model_copy(update={"mechanism": mechanism})})


def test_a_target_whose_drain_alarm_is_ok_passes(plan: RecoveryPlan, record_sets: FakeRecordSets) -> None:
    check = status(plan, record_sets, FakeRecordHealth.healthy(SOURCE, TARGET))

    assert (check.status, check.severity) == ("pass", "warning")


def test_a_drained_target_fails_as_a_warning(plan: RecoveryPlan, record_sets: FakeRecordSets) -> None:
    health = FakeRecordHealth.healthy(SOURCE)
    health.readings[TARGET] = HealthReading(False, "alarm fraud-scoring-drain-usw2 in us-east-1 is ALARM")

    check = status(plan, record_sets, health)

    assert (check.status, check.severity) == ("fail", "warning")
    assert "unhealthy: alarm fraud-scoring-drain-usw2 in us-east-1 is ALARM" in check.evidence
    assert "Drain metric at 0" in check.remediation


def test_an_unreadable_status_is_unknown_not_a_pass_nor_a_fail(plan: RecoveryPlan, record_sets: FakeRecordSets) -> None:
    # us-east-1 is dark: the target's drain alarm lives there
    check = status(plan, record_sets, FakeRecordHealth.healthy(SOURCE))

    assert check.status == "unknown"
    assert "us-west-2 did not answer" in check.evidence


def test_the_switch_needs_the_sources_drain_alarm_in_the_target(
    plan: RecoveryPlan, record_sets: FakeRecordSets
) -> None:
    health = FakeRecordHealth.healthy(TARGET)
    health.readings[SOURCE] = HealthReading(None, "alarm fraud-scoring-drain-use1 does not exist", exists=False)

    check = status(plan, record_sets, health)

    assert check.status == "fail"
    assert "cannot drain us-east-1" in check.evidence


def test_a_routing_control_that_is_off_passes_the_switch_turns_it_on(
    plan: RecoveryPlan, record_sets: FakeRecordSets
) -> None:
    health = FakeRecordHealth({TARGET: HealthReading(False, "routing control Off")})

    check = status(with_mechanism(plan, "routing-control"), record_sets, health)

    assert check.status == "pass"
    assert "the switch turns it On" in check.evidence


def test_a_plain_health_check_that_route53_reports_unhealthy_fails(
    plan: RecoveryPlan, record_sets: FakeRecordSets
) -> None:
    health = FakeRecordHealth({TARGET: HealthReading(False, "0 of 8 Route 53 checkers report it healthy")})

    check = status(with_mechanism(plan, "record-weights"), record_sets, health)

    assert check.status == "fail"
