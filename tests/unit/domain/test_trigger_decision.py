"""The trigger policy: screen every alarm event, then confirm after the sustain window before any runbook starts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from evac.domain.decisions import incident_id
from evac.domain.plan import Alarm, RecoveryPlan, Trigger
from evac.domain.trigger import AlarmReading, AlarmSignal, World, confirm, screen

ACCOUNT = "123456789012"
AT = datetime(2026, 11, 27, 10, 7, tzinfo=UTC)
INFERENCE_5XX = AlarmSignal(
    name="fraud-scoring-inference-5xx", region="us-east-1", account=ACCOUNT, state="ALARM", previous_state="OK", at=AT
)
PRIMARY = ("fraud-scoring-inference-5xx", "fraud-scoring-health-check")
SECONDARY = ("fraud-scoring-usw2-inference-5xx", "fraud-scoring-usw2-health-check")
OUTSIDE_IN = "fraud-scoring-outside-in-probe"  # only in the ``probed`` plan: lives in us-west-2, watches us-east-1
# The plan's outside-in probe alarms: read OK unless a test says otherwise.
PROBES = (
    "fraud-scoring-probe-us-east-1-from-us-west-2",
    "fraud-scoring-probe-us-east-1-from-us-east-2",
    "fraud-scoring-probe-us-west-2-from-us-east-1",
)


def world(*, after: float = 60, alarming: dict[str, float] | None = None, **changes: object) -> World:
    """``after`` seconds past AT; ``alarming`` maps alarm name -> seconds after AT it entered ALARM."""
    alarming = {PRIMARY[0]: 0, PRIMARY[1]: 0} if alarming is None else alarming
    readings = {
        name: AlarmReading("OK", AT - timedelta(days=1)) for name in (*PRIMARY, *SECONDARY, *PROBES, OUTSIDE_IN)
    }
    readings |= {name: AlarmReading("ALARM", AT + timedelta(seconds=s)) for name, s in alarming.items()}
    base = World(
        now=AT + timedelta(seconds=after), alarms=readings, writer_region="us-east-1", last_failover=None, paused=False
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# --- screen: which events open an incident here -----------------------------------------------------------------


def test_a_plan_alarm_in_alarm_opens_an_incident_in_the_region_it_fails_over_to(plan: RecoveryPlan) -> None:
    decision = screen(INFERENCE_5XX, plan, here="us-west-2", account=ACCOUNT)

    assert decision.action == "wait"
    assert "confirming after 60 s" in decision.reason
    assert decision.request is not None
    assert (decision.request.mode, decision.request.target_region) == ("unplanned", "us-west-2")


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
    decision = screen(signal, plan, here=here, account=ACCOUNT)

    assert (decision.action, decision.request) == ("ignore", None)
    assert reason in decision.reason


def test_a_plan_with_automatic_failover_off_opens_nothing(plan: RecoveryPlan) -> None:
    manual = plan.model_copy(update={"trigger": Trigger(automatic=False)})

    decision = screen(INFERENCE_5XX, manual, here="us-west-2")

    assert (decision.action, decision.request) == ("ignore", None)
    assert "trigger.automatic: false" in decision.reason


# --- confirm: sustain, quorum, cooldown, direction, kill switch ---------------------------------------------------


def test_a_quorum_of_sustained_alarms_starts_the_runbook_named_after_the_incident(plan: RecoveryPlan) -> None:
    decision = confirm(INFERENCE_5XX, plan, world(alarming={PRIMARY[0]: 0, PRIMARY[1]: 5}, after=65))

    assert decision.action == "start"
    assert decision.request is not None
    assert decision.request.detected_at == AT  # the first ALARM of the incident
    assert decision.execution_name == incident_id("fraud-scoring", "us-east-1", "us-west-2", AT, window_seconds=900)


def test_every_alarm_of_one_incident_names_the_same_runbook(plan: RecoveryPlan) -> None:
    health = replace(INFERENCE_5XX, name=PRIMARY[1], at=AT + timedelta(seconds=5))
    state = world(alarming={PRIMARY[0]: 0, PRIMARY[1]: 5}, after=65)

    assert confirm(INFERENCE_5XX, plan, state).execution_name == confirm(health, plan, state).execution_name


def test_an_alarm_that_went_back_to_ok_is_not_sustained(plan: RecoveryPlan) -> None:
    flapped = world(alarming={PRIMARY[1]: 0})  # the 5xx alarm is OK again

    decision = confirm(INFERENCE_5XX, plan, flapped)

    assert (decision.action, decision.request) == ("wait", None)
    assert "quorum not met: 1 of 2" in decision.reason


def test_an_alarm_that_flipped_back_to_alarm_recently_is_not_sustained(plan: RecoveryPlan) -> None:
    decision = confirm(INFERENCE_5XX, plan, world(alarming={PRIMARY[0]: 40, PRIMARY[1]: 0}, after=60))

    assert decision.action == "wait"


def test_another_alarm_in_alarm_now_completes_the_quorum(plan: RecoveryPlan) -> None:
    assert confirm(INFERENCE_5XX, plan, world(alarming={PRIMARY[0]: 0, PRIMARY[1]: 55})).action == "start"


def test_one_alarm_alone_does_not_meet_a_quorum_of_two(plan: RecoveryPlan) -> None:
    assert confirm(INFERENCE_5XX, plan, world(alarming={PRIMARY[0]: 0})).action == "wait"


def test_a_quorum_of_one_starts_on_a_single_sustained_alarm(plan: RecoveryPlan) -> None:
    lenient = plan.model_copy(update={"trigger": Trigger(quorum=1)})

    assert confirm(INFERENCE_5XX, lenient, world(alarming={PRIMARY[0]: 0})).action == "start"


# --- fail closed: an alarm that cannot be read is not evidence -----------------------------------------------------

THROTTLED = AlarmReading.refused("Throttling: Rate exceeded")
TIMED_OUT = AlarmReading.silent("ConnectTimeoutError")
# Every alarm that lives in us-east-1, as one DescribeAlarms there reads them (the target's health check lives there).
IN_US_EAST_1 = (*PRIMARY, SECONDARY[1])


def read_as(state: World, reading: AlarmReading, names: tuple[str, ...] = IN_US_EAST_1) -> World:
    return replace(state, alarms=state.alarms | dict.fromkeys(names, reading))


@pytest.fixture
def probed(plan: RecoveryPlan) -> RecoveryPlan:
    """The bundled plan with an alarm that lives in us-west-2 and watches us-east-1 (an outside-in probe's)."""
    outside = Alarm(name=OUTSIDE_IN, region="us-west-2", watches="us-east-1")
    return plan.model_copy(update={"alarms": [*plan.alarms, outside]})


def test_a_refused_read_is_not_evidence_and_holds_the_failover_back_naming_alarm_region_and_error(
    plan: RecoveryPlan,
) -> None:
    decision = confirm(INFERENCE_5XX, plan, read_as(world(), THROTTLED))

    assert (decision.action, decision.request, decision.held_back) == ("ignore", None, True)
    assert "cannot read alarm fraud-scoring-inference-5xx in us-east-1 (Throttling: Rate exceeded)" in decision.reason
    assert "not evidence of failure; failover held back (0 of 2 alarm(s) on us-east-1 hold" in decision.reason


def test_one_refused_alarm_the_quorum_depends_on_holds_the_failover_back(plan: RecoveryPlan) -> None:
    denied = AlarmReading.refused("AccessDenied: not authorized to perform cloudwatch:DescribeAlarms")

    decision = confirm(INFERENCE_5XX, plan, read_as(world(), denied, (PRIMARY[1],)))

    assert (decision.action, decision.held_back) == ("ignore", True)
    assert "cannot read alarm fraud-scoring-health-check in us-east-1 (AccessDenied" in decision.reason
    assert "1 of 2 alarm(s) on us-east-1 hold (fraud-scoring-inference-5xx)" in decision.reason


def test_a_refusal_the_decision_does_not_depend_on_does_not_stop_a_sustained_quorum(plan: RecoveryPlan) -> None:
    lenient = plan.model_copy(update={"trigger": Trigger(quorum=1)})

    assert confirm(INFERENCE_5XX, lenient, read_as(world(), THROTTLED, (PRIMARY[1],))).action == "start"


def test_the_fail_open_reproduction_a_blip_read_through_one_throttled_call_starts_nothing(plan: RecoveryPlan) -> None:
    # GIVEN the 5xx alarm went ALARM at AT and back to OK 30 s later (1 of 2, not sustained) ...
    blipped = world(alarming={})
    blipped = replace(blipped, alarms=blipped.alarms | {PRIMARY[0]: AlarmReading("OK", AT + timedelta(seconds=30))})
    assert confirm(INFERENCE_5XX, plan, blipped).action == "wait"

    # WHEN the watch's one DescribeAlarms in us-east-1 is throttled
    decision = confirm(INFERENCE_5XX, plan, read_as(blipped, THROTTLED))

    # THEN no runbook starts, and people are told why
    assert (decision.action, decision.request, decision.held_back) == ("ignore", None, True)
    assert "not evidence of failure" in decision.reason


def test_silence_without_outside_in_agreement_does_not_hold(plan: RecoveryPlan) -> None:
    decision = confirm(INFERENCE_5XX, plan, read_as(world(alarming={}), TIMED_OUT))

    assert (decision.action, decision.request) == ("ignore", None)
    assert "alarm fraud-scoring-inference-5xx in us-east-1 did not answer (ConnectTimeoutError)" in decision.reason
    assert "no alarm outside us-east-1 agrees that it is failing" in decision.reason
    assert "0 of 2 alarm(s) on us-east-1 hold" in decision.reason


def test_silence_with_an_outside_alarm_that_is_ok_does_not_hold(probed: RecoveryPlan) -> None:
    decision = confirm(INFERENCE_5XX, probed, read_as(world(alarming={}), TIMED_OUT))

    assert (decision.action, decision.held_back) == ("ignore", True)
    assert "no alarm outside us-east-1 agrees" in decision.reason


def test_silence_holds_when_an_alarm_outside_the_watched_region_is_in_alarm(probed: RecoveryPlan) -> None:
    # GIVEN us-east-1 does not answer (the target's health-check alarm lives there too) and the outside-in alarm,
    # read in us-west-2, is in ALARM
    dark = read_as(world(alarming={OUTSIDE_IN: 10}), TIMED_OUT)

    decision = confirm(INFERENCE_5XX, probed, dark)

    assert decision.action == "start"
    assert "3 alarm(s) on us-east-1 held" in decision.reason
    assert "silent, counted on the outside-in agreement of fraud-scoring-outside-in-probe" in decision.reason


def test_a_silent_alarm_that_lives_outside_the_watched_region_never_holds(probed: RecoveryPlan) -> None:
    # GIVEN the 5xx alarm held (1 of 2) and the outside alarm's own region is the silent one: its silence says
    # nothing about us-east-1
    state = read_as(world(alarming={PRIMARY[0]: 0}), TIMED_OUT, (OUTSIDE_IN,))

    decision = confirm(INFERENCE_5XX, probed, state)

    assert (decision.action, decision.held_back) == ("ignore", True)
    assert "alarm fraud-scoring-outside-in-probe in us-west-2 did not answer" in decision.reason


def test_a_target_alarm_that_cannot_be_read_holds_a_start_back(plan: RecoveryPlan) -> None:
    decision = confirm(INFERENCE_5XX, plan, read_as(world(), THROTTLED, (SECONDARY[0],)))

    assert (decision.action, decision.held_back) == ("ignore", True)
    assert "cannot tell whether the target us-west-2 is failing" in decision.reason


def test_a_reading_says_how_it_was_read() -> None:
    with pytest.raises(ValueError, match="kind 'state' has state None"):
        AlarmReading(None, None)


@pytest.mark.parametrize(
    ("changes", "reason", "held_back"),
    [
        ({"paused": True}, "automatic failover is paused (SSM parameter /evac/fraud-scoring/automatic", True),
        ({"writer_region": "us-west-2"}, "us-west-2 is already the active region", False),
        ({"last_failover": AT - timedelta(minutes=30)}, "cooldown: the last failover was 1860 s ago", True),
        ({"in_flight": "inc-0945"}, "the run of inc-0945 is in flight (it holds the lock): it decides", False),
    ],
    ids=["kill-switch", "already-active", "cooldown", "run-in-flight"],
)
def test_guards_hold_back_a_failover_the_alarms_call_for(
    plan: RecoveryPlan, changes: dict[str, object], reason: str, held_back: bool
) -> None:
    decision = confirm(INFERENCE_5XX, plan, world(**changes))

    assert (decision.action, decision.request, decision.held_back) == ("ignore", None, held_back)
    assert reason in decision.reason


def test_a_failover_after_the_cooldown_starts(plan: RecoveryPlan) -> None:
    assert confirm(INFERENCE_5XX, plan, world(last_failover=AT - timedelta(hours=2))).action == "start"


def test_never_fail_over_to_a_region_whose_own_alarms_are_in_alarm(plan: RecoveryPlan) -> None:
    both_failing = world(alarming={PRIMARY[0]: 0, PRIMARY[1]: 0, SECONDARY[0]: 10})

    decision = confirm(INFERENCE_5XX, plan, both_failing)

    assert (decision.action, decision.held_back) == ("ignore", True)
    assert "the target us-west-2 is alarming too (fraud-scoring-usw2-inference-5xx)" in decision.reason
