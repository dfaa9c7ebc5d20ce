"""The trigger's decision: a plan alarm entering ALARM starts this stack's runbook; every other event is ignored."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from evac.domain.decisions import incident_id
from evac.domain.plan import RecoveryPlan, Trigger
from evac.domain.trigger import AlarmSignal, decide

ACCOUNT = "123456789012"
INFERENCE_5XX = AlarmSignal(
    name="fraud-scoring-inference-5xx",
    region="us-east-1",
    account=ACCOUNT,
    state="ALARM",
    previous_state="OK",
    at=datetime(2026, 11, 27, 10, 7, tzinfo=UTC),
)


def test_a_plan_alarm_in_alarm_starts_the_runbook_of_the_region_it_fails_over_to(plan: RecoveryPlan) -> None:
    decision = decide(INFERENCE_5XX, plan, here="us-west-2", account=ACCOUNT)

    assert decision.action == "start"
    assert decision.request is not None
    assert decision.request.mode == "unplanned"
    assert decision.request.target_region == "us-west-2"
    assert decision.request.detected_at == INFERENCE_5XX.at
    assert (
        decision.execution_name
        == decision.request.incident_id
        == incident_id("fraud-scoring", "us-east-1", "us-west-2", INFERENCE_5XX.at, window_seconds=900)
    )


def test_the_health_check_alarm_starts_the_runbook_too(plan: RecoveryPlan) -> None:
    health_check = replace(INFERENCE_5XX, name="fraud-scoring-health-check")

    assert decide(health_check, plan, here="us-west-2").action == "start"


def test_an_alarm_storm_within_one_window_names_one_execution(plan: RecoveryPlan) -> None:
    first = decide(INFERENCE_5XX, plan, here="us-west-2")
    later = decide(
        replace(INFERENCE_5XX, name="fraud-scoring-health-check", at=INFERENCE_5XX.at + timedelta(minutes=4)),
        plan,
        here="us-west-2",
    )

    assert first.execution_name is not None
    assert first.execution_name == later.execution_name


@pytest.mark.parametrize(
    ("signal", "here", "reason"),
    [
        (replace(INFERENCE_5XX, name="checkout-latency"), "us-west-2", "is not in the fraud-scoring plan"),
        (replace(INFERENCE_5XX, state="OK", previous_state="ALARM"), "us-west-2", "went to OK"),
        (replace(INFERENCE_5XX, state="INSUFFICIENT_DATA"), "us-west-2", "went to INSUFFICIENT_DATA"),
        (replace(INFERENCE_5XX, region="us-west-2"), "us-west-2", "the plan places it in us-east-1"),
        (INFERENCE_5XX, "us-east-1", "calls for a failover to us-west-2; this stack promotes us-east-1"),
        (replace(INFERENCE_5XX, account="210987654321"), "us-west-2", "belongs to account 210987654321"),
    ],
    ids=["not-in-plan", "state-ok", "insufficient-data", "wrong-region", "target-not-here", "foreign-account"],
)
def test_other_events_are_ignored_with_a_reason(
    plan: RecoveryPlan, signal: AlarmSignal, here: str, reason: str
) -> None:
    decision = decide(signal, plan, here=here, account=ACCOUNT)

    assert (decision.action, decision.request) == ("ignore", None)
    assert reason in decision.reason


def test_a_plan_with_automatic_failover_off_starts_nothing(plan: RecoveryPlan) -> None:
    manual = plan.model_copy(update={"trigger": Trigger(automatic=False)})

    decision = decide(INFERENCE_5XX, manual, here="us-west-2")

    assert (decision.action, decision.request) == ("ignore", None)
    assert "trigger.automatic: false" in decision.reason
