"""Never make it worse (principle 4), from the fault matrix's reproductions: a run that fails after it began to
promote leaves writer and traffic together (a planned one switches the database back), or escalates with the
commands that finish it by hand. Each case is judged by the matrix's own end-state invariants, from ground truth."""

from __future__ import annotations

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos import Case, Site, run_case

pytestmark = pytest.mark.e2e

PLAN = load_plan(DEFAULT_PLAN)
TARGET = PLAN.regions.secondary


def denied(scenario: str, caller: str, service: str, operation: str, region: str = TARGET) -> Case:
    return Case(Site(scenario, caller, service, operation, region, None, 1, None, TARGET), "access-denied", "first")


def test_a_planned_run_whose_dns_change_is_denied_switches_the_database_back() -> None:
    result = run_case(denied("planned-switchover", "ShiftDnsFunction", "route53", "ChangeResourceRecordSets",
                             "aws-global"), plan=PLAN)  # fmt: skip

    assert (result.status, result.outcome, result.violations) == ("FAILED", "clean", [])
    assert result.writer_regions == [PLAN.regions.primary]
    assert result.dns_region == PLAN.regions.primary
    assert "ChangeResourceRecordSets" in (result.cause or "")


@pytest.mark.parametrize(
    ("caller", "service", "operation"),
    [
        # Registering the higher MinCapacity is what scales the endpoint out (Application Auto Scaling does it): its
        # denial is what leaves the target without capacity once the database is promoted
        ("ScaleEndpointFunction", "application-autoscaling", "RegisterScalableTarget"),
        ("CheckDatabaseFunction", "rds", "DescribeGlobalClusters"),
    ],
)
def test_an_unplanned_run_that_cannot_finish_after_promoting_escalates_with_the_commands(
    caller: str, service: str, operation: str
) -> None:
    result = run_case(denied("primary-outage", caller, service, operation), plan=PLAN)

    assert (result.status, result.error, result.outcome, result.violations) == (
        "FAILED",
        "ManualCompletionRequiredError",
        "escalated",
        [],
    )
    assert result.injected > 1  # the traffic step was tried again within its bound before escalating
    assert result.writer_regions == [TARGET]
    assert operation in (result.cause or "")
    assert "finish by hand" in (result.reason or "")
