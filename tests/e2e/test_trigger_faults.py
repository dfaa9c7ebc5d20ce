"""The fault matrix on the trigger and its confirmation watch, and after effect: a fault where the decision to fail
over is made fails closed (nothing starts on evidence nobody could read, people are told, never two runbooks), and a
change whose answer is lost is retried without harm. Each is judged by the matrix's own rules (``run_case``)."""

from __future__ import annotations

from unittest.mock import patch

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos import Case, Site, run_case
from evacops.chaos.controls import _counts_what_it_cannot_read, _never_blind

pytestmark = pytest.mark.e2e

PLAN = load_plan(DEFAULT_PLAN)
TARGET = PLAN.regions.secondary


def watch_site(caller: str, service: str, operation: str, region: str = TARGET, target: str | None = None) -> Site:
    return Site("primary-outage", caller, service, operation, region, target, 1, None, TARGET, "trigger")


ALARMS_HERE = watch_site("ConfirmFunction", "cloudwatch", "DescribeAlarms")


def test_alarms_the_watch_cannot_read_hold_the_failover_back_and_say_so() -> None:
    # GIVEN IAM denies the watch every DescribeAlarms in the target region (where one of the two probes' alarms lives)
    result = run_case(Case(ALARMS_HERE, "access-denied", "first"), plan=PLAN)

    # THEN no runbook starts, the world is as it was, and people are told why: a clean, fail-closed outcome
    assert (result.status, result.expected, result.outcome, result.violations) == ("SKIPPED", "SKIPPED", "clean", [])
    assert result.writer_regions == [PLAN.regions.primary]
    assert result.dns_region == PLAN.regions.primary


def test_a_watch_that_counts_alarms_it_could_not_read_is_caught_starting_a_runbook() -> None:
    # The rule above can fail: a trigger policy that counts what it could not read starts a runbook on no evidence
    with (
        patch("evac.domain.trigger._counts", _counts_what_it_cannot_read),
        patch("evac.domain.trigger._blind", _never_blind),
    ):
        result = run_case(Case(ALARMS_HERE, "access-denied", "first"), plan=PLAN)

    assert result.outcome == "violated"
    assert any(v.startswith("evidence:") for v in result.violations), result.violations
    assert any(v.startswith("outcome:") for v in result.violations), result.violations


def test_a_throttled_alarm_read_leaves_another_alarms_watch_to_start_the_one_runbook() -> None:
    result = run_case(Case(ALARMS_HERE, "throttling", "first"), plan=PLAN)

    assert (result.status, result.outcome, result.violations) == ("SUCCEEDED", "clean", [])
    assert result.writer_regions == [TARGET]


def test_a_runbook_step_whose_answer_is_lost_after_it_ran_is_retried_and_the_run_succeeds() -> None:
    # GIVEN the runbook's Invoke of the promotion step runs it, and then its answer is lost (a 5xx after effect):
    # Step Functions retries the task, so the promotion runs twice and must change nothing the second time
    site = Site("primary-outage", "FailoverRunbook", "lambda", "Invoke", TARGET, "PromoteDatabaseFunction", 1, None,
                TARGET)  # fmt: skip

    result = run_case(Case(site, "5xx", "first", after_effect=True), plan=PLAN)

    assert (result.group, result.fault) == ("after-effect", "5xx+after-effect")
    assert (result.status, result.outcome, result.violations) == ("SUCCEEDED", "clean", [])
    assert result.writer_regions == [TARGET]
    assert result.dns_region == TARGET


def test_a_watch_that_cannot_reach_its_decision_step_holds_the_failover_back_and_says_so() -> None:
    # GIVEN IAM denies the watch the Invoke of its decision step: it cannot decide at all
    site = watch_site("ConfirmWatch", "lambda", "Invoke", target="ConfirmFunction")

    result = run_case(Case(site, "access-denied", "first"), plan=PLAN)

    # THEN nothing starts, and people are told the failover was held back (before: the watch failed in silence)
    assert (result.status, result.outcome, result.violations) == ("SKIPPED", "clean", [])
