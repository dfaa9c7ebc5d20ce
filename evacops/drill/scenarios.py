"""What each drill scenario does to the local cloud, and the outcome that proves evac behaved.

A scenario plays events (alarms, direct starts, the passing of time) and names its expected outcome; the engine in
``evacops.drill.engine`` waits for everything to settle, and ``evacops.drill.verdict`` checks the outcome.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import boto3

from evac.domain.models import RunbookInput
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill import scenarios_probes as probing
from evacops.drill.variants import FOLLOW_CAPACITY
from evacops.localcloud.faults import Fault
from evacops.template import ROOT

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud import LocalCloud

EVENTS = ROOT / "events"
Outcome = Literal["failover", "switchover", "no-failover", "aborted", "dry-run", "failback", "failed"]
# A scenario's own check: (name, ok, detail), given the cloud and the modelled moment the incident began.
ExtraCheck = tuple[str, bool, str]


@dataclass(frozen=True)
class Options:
    """How a person plays a game day: approve after so many modelled seconds, or reject."""

    approve_after: float | None = 60.0  # None: wait for a person (`evac approve RUN --local`)
    reject: bool = False
    approver: str = "drill@evac.local"
    console: bool = False  # answer by invoking the deployed approval function, as a person in the console would


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    play: Callable[[LocalCloud, Options], None]
    outcome: Outcome
    runbooks: int = 1  # runbook executions expected across both regions
    notice: str | None = None  # a notification must say this (why a failover was held back)
    triggered: bool = (
        True  # started by alarms (or predicting a run that is): the sustain window is on the critical path
    )
    prepare: Callable[[LocalCloud], None] | None = None  # changes the seeded cloud before anything is played
    error: str | None = None  # the error the runbook must end with
    fallback: bool = False  # the target's endpoints must end on their first fallback instance type
    shift: dict[str, Any] | None = None  # the plan's dns.shift for this scenario (None: the plan's own)
    writer: Literal["home", "away"] | None = None  # "failed": where the writer must be (None: either)
    checks: Callable[[LocalCloud, float], list[ExtraCheck]] | None = None  # the scenario's own, given its start
    approval: str | None = None  # the approval request must say this (why the run asks a person)
    arc: bool = False  # run by ARC Region switch (``scenarios_arc``), not evac's runbook: no notification is sent

    def expected(self, options: Options) -> Outcome:
        """What the scenario must end as: a run that asks a person and is rejected is aborted."""
        return "aborted" if self.asks and options.reject else self.outcome

    @property
    def asks(self) -> bool:
        """The run waits for a person (a game day, a target found not ready): ``Options`` answer it."""
        return self.name == "game-day" or self.approval is not None


def fire(cloud: LocalCloud, region: str, state: str = "ALARM", *, reason: str = "drill") -> list[dict]:
    """Every plan alarm watching ``region`` goes to ``state``; returns the events (delivered once each).

    Probe alarms are left out: the local cloud evaluates them from the probes' own metrics (a state set by hand would
    not outlive the next evaluation); outages they see are played as faults (``scenarios_probes.probes_fail``), and
    ``state="OK"`` lifts those faults on ``region``.
    """
    events = []
    if state == "OK":
        cloud.faults.lift(lambda f: f.caller == probing.PROBER and f.region == region)
    for alarm in cloud.plan.watching(region):
        if alarm.kind == "probe":
            continue
        if event := cloud.alarms.set_state(alarm.region, alarm.name, state, reason=reason):
            events.append(event)
    return events


def for_plan(request: RunbookInput, plan: RecoveryPlan) -> RunbookInput:
    """A sample input from events/ (written for the default plan's regions) for ``plan``'s regions, by role.

    The default plan's primary becomes ``plan``'s primary and its secondary ``plan``'s secondary, wherever the input
    names them (target region, incident id, reason): ``dry-run-to-us-west-2`` is ``dry-run-to-eu-west-2`` for a plan
    whose secondary is eu-west-2, and ``us-west-2`` is ``us-east-1`` for a plan that swaps the default's regions.
    """
    default = load_plan(DEFAULT_PLAN)
    if request.target_region is None or plan.regions.both == default.regions.both:
        return request
    roles = dict(zip(default.regions.both, plan.regions.both, strict=True))
    pattern = re.compile("|".join(re.escape(region) for region in roles))
    document = request.model_dump(mode="json", exclude_none=True)
    renamed = {k: pattern.sub(lambda m: roles[m[0]], v) if isinstance(v, str) else v for k, v in document.items()}
    return RunbookInput.model_validate(renamed)


def start(cloud: LocalCloud, event_file: str) -> RunbookInput:
    """Start the runbook with a drill input from events/, as `sam remote invoke` would send it (its regions taken
    by role for the cloud's plan: ``for_plan``)."""
    request = RunbookInput.model_validate_json((EVENTS / event_file).read_text(encoding="utf-8"))
    request = for_plan(request, cloud.plan)
    target = request.target_region or cloud.plan.regions.secondary
    boto3.client("stepfunctions", target).start_execution(
        stateMachineArn=cloud.stacks[target].runbook_arn,
        name=request.incident_id,
        input=json.dumps(request.model_dump(mode="json", exclude_none=True)),
    )
    return request


def primary_outage(cloud: LocalCloud, options: Options) -> None:
    """The primary stops answering; the plan's probes see it from outside (its alarms there are evaluated, not set)."""
    if any(a.kind == "probe" for a in cloud.plan.watching(cloud.plan.regions.primary)):
        probing.primary_outage_seen_from_outside(cloud, options)
    else:  # a plan without outside-in probes: its own alarms stand in for the metrics moto never emits
        fire(cloud, cloud.plan.regions.primary, reason="drill: the primary region is failing")


def _planned_switchover(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    start(cloud, "drill-planned.json")


def _dry_run(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    start(cloud, "dry-run.json")


def _game_day(cloud: LocalCloud, options: Options) -> None:
    """A person watches the console: the run pauses for approval, and the drill answers it (``answer_approval``)."""
    request = start(cloud, "game-day.json")
    readiness.answer_approval(
        cloud, options, request.target_region or cloud.plan.regions.secondary, request.incident_id
    )


def _alarm_storm(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    """Every alarm on the primary fires and EventBridge delivers each event three times, all at once."""
    primary = cloud.plan.regions.primary
    events = []
    for alarm in cloud.plan.watching(primary):
        if event := cloud.alarms.set_state(alarm.region, alarm.name, "ALARM", reason="storm", deliver=False):
            events.append((alarm.region, event))
    threads = [threading.Thread(target=cloud.alarms.deliver, args=(region, event)) for region, event in events * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _flapping_alarm(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    """The primary's alarms go ALARM and straight back to OK four times, half a sustain window apart: each ALARM
    lasts only as long as its delivery, far shorter than the sustain window."""
    for _ in range(4):
        fire(cloud, cloud.plan.regions.primary, "ALARM", reason="drill: blip")
        fire(cloud, cloud.plan.regions.primary, "OK", reason="drill: recovered")
        cloud.clock.sleep(cloud.plan.trigger.sustain_seconds / 2)


def _secondary_also_alarming(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    """The secondary is already failing when the primary's alarms fire: a failover would not help."""
    fire(cloud, cloud.plan.regions.secondary, reason="drill: the secondary is failing too")
    fire(cloud, cloud.plan.regions.primary, reason="drill: the primary region is failing")


def _cooldown(cloud: LocalCloud, options: Options) -> None:
    """An outage fails over; the primary recovers; then the new active region fails inside the cooldown."""
    primary_outage(cloud, options)
    cloud.quiesce()
    fire(cloud, cloud.plan.regions.primary, "OK", reason="drill: the primary recovered")
    fire(cloud, cloud.plan.regions.secondary, reason="drill: a second outage, in the new active region")


def _failback(cloud: LocalCloud, options: Options) -> None:
    """An outage fails over; the primary recovers; traffic comes home with a planned switchover (events/failback.json),
    the primary at full capacity before DNS moves, the secondary back to warm standby after."""
    primary_outage(cloud, options)
    cloud.quiesce()
    fire(cloud, cloud.plan.regions.primary, "OK", reason="drill: the primary recovered")
    start(cloud, "failback.json")
    cloud.quiesce()
    cloud.wait_until(lambda: all(e["status"] == "InService" for e in cloud.endpoints()))


def _no_capacity_for_the_planned_type(cloud: LocalCloud) -> None:
    """The secondary has room for the warm standby of each endpoint's instance type, not one instance more."""
    plan = cloud.plan
    for endpoint in plan.inference.endpoints:
        cloud.sagemaker.capacity[(plan.regions.secondary, endpoint.instance_type)] = endpoint.standby_instances


def _region_blackout(cloud: LocalCloud, options: Options) -> None:
    """The primary goes dark first: from this moment every API call to it times out, and its alarms, metrics and
    EventBridge deliver nothing. Nothing is fired by hand: the probes from the secondary and the witness see it.
    A plan without probe alarms on the primary keeps the old play (its alarms that live elsewhere fire by hand)."""
    primary = cloud.plan.regions.primary
    if any(a.kind == "probe" for a in cloud.plan.watching(primary)):
        probing.region_blackout(cloud, options)
        return
    cloud.faults.blackout(primary)
    for alarm in cloud.plan.watching(primary):
        if alarm.region != primary:
            cloud.alarms.set_state(alarm.region, alarm.name, "ALARM", reason="drill: the primary region is dark")


def _blackout_checks(cloud: LocalCloud, began: float) -> list[ExtraCheck]:
    """Nothing the runbook (or the watch) did waited on the dark region beyond one bounded timeout per attempt."""
    primary = cloud.plan.regions.primary
    reached = [c for c in cloud.faults.calls if c.region == primary and c.at >= began and c.fault != "blackout"]
    timed_out = [c for c in cloud.faults.calls if c.fault == "blackout"]
    detail = (
        f"{len(timed_out)} call(s) to the dark {primary} timed out after a bounded wait "
        f"({sorted({f'{c.caller}: {c.action}' for c in timed_out})}); {len(reached)} reached it"
    )
    return [("primary_untouched", not reached, detail)]


def _no_capacity_for_any_type(cloud: LocalCloud) -> None:
    """The secondary has room for the warm standby and not one instance more, of every type the plan would use."""
    plan = cloud.plan
    for endpoint in plan.inference.endpoints:
        for instance_type in (endpoint.instance_type, *endpoint.fallback_instance_types):
            cloud.sagemaker.capacity[(plan.regions.secondary, instance_type)] = endpoint.standby_instances


def _aurora_refuses_failover(cloud: LocalCloud) -> None:
    """Aurora refuses the failover: the global cluster is not in a state to fail over."""
    cloud.faults.inject(
        Fault(
            "refused",
            service="rds",
            operation="FailoverGlobalCluster",
            calls=None,
            code="InvalidGlobalClusterStateFault",
            message="The global cluster is not in a valid state to fail over",
        )
    )


from evacops.drill import scenarios_readiness as readiness  # noqa: E402 - its scenarios are Scenarios, defined above
from evacops.drill.scenarios_arc import ARC_SCENARIOS  # noqa: E402 - likewise
from evacops.drill.scenarios_dns import DNS_SCENARIOS  # noqa: E402 - likewise
from evacops.drill.scenarios_signals import SIGNAL_SCENARIOS  # noqa: E402 - likewise

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "primary-outage",
            "Unplanned: the primary's alarms go to ALARM; the trigger confirms them and fails over with AllowDataLoss.",
            primary_outage,
            "failover",
        ),
        Scenario(
            "traffic-follows-capacity",
            "Unplanned, with dns.shift follow-capacity: the warm standby takes the plan's minimum share once the "
            "database is promoted, then more as instances come into service, never more than they can serve.",
            primary_outage,
            "failover",
            shift=FOLLOW_CAPACITY,
        ),
        Scenario(
            "planned-switchover",
            "Planned: the runbook is started with events/drill-planned.json; switchover with no data loss.",
            _planned_switchover,
            "switchover",
            triggered=False,
        ),
        Scenario(
            "alarm-storm",
            "Every alarm on the primary fires, each delivered three times at once: one runbook.",
            _alarm_storm,
            "failover",
        ),
        Scenario(
            "flapping-alarm",
            "The primary's alarms flap ALARM/OK faster than the sustain window: no failover.",
            _flapping_alarm,
            "no-failover",
            runbooks=0,
        ),
        Scenario(
            "secondary-also-alarming",
            "The secondary's own alarms are in ALARM when the primary fails: no failover, a notification says why.",
            _secondary_also_alarming,
            "no-failover",
            runbooks=0,
            notice="alarming too",
        ),
        Scenario(
            "game-day",
            "Planned, with approval: the run waits for a person (--approve-after N, or --reject) before any change.",
            _game_day,
            "switchover",
            triggered=False,
        ),
        Scenario(
            "dry-run",
            "Plan and preflight only: nothing changes; the report says what would happen and the predicted RTO.",
            _dry_run,
            "dry-run",
            triggered=True,  # it predicts an incident's RTO, from the first ALARM: the sustain window counts
        ),
        Scenario(
            "failback",
            "Outage, failover, the primary recovers, traffic comes home: writer, DNS and capacities as they began.",
            _failback,
            "failback",
            runbooks=2,
            triggered=False,
        ),
        Scenario(
            "region-blackout",
            "The primary goes dark: every API call to it times out from the disaster's start; the runbook completes "
            "from the secondary alone (failover with AllowDataLoss, Route 53, verification).",
            _region_blackout,
            "failover",
            checks=_blackout_checks,
        ),
        Scenario(
            "capacity-shortfall",
            "No good outcome: the secondary has no capacity for any instance type the plan allows; the run stops "
            "before DNS: the database was already promoted, so it escalates with ManualCompletionRequiredError "
            "(InferenceScaleError's cause, then the commands to finish by hand), recorded and notified.",
            primary_outage,
            "failed",
            prepare=_no_capacity_for_any_type,
            error="ManualCompletionRequiredError",
        ),
        Scenario(
            "failover-rejected",
            "No good outcome: Aurora refuses the failover; the run stops with DatabasePromotionError, no DNS change, "
            "recorded and notified.",
            primary_outage,
            "failed",
            prepare=_aurora_refuses_failover,
            error="DatabasePromotionError",
            writer="home",
        ),
        Scenario(
            "cooldown",
            "A failover, then a second outage inside the cooldown: no second failover, a notification says why.",
            _cooldown,
            "failover",
            notice="cooldown",
        ),
        *readiness.scenarios(),
        *probing.scenarios(),
        Scenario(
            "capacity-fallback",
            "Unplanned, but the secondary has no capacity for the endpoint's instance type: the scale-up rolls back, "
            "the runbook falls back to the plan's next instance type and succeeds.",
            primary_outage,
            "failover",
            prepare=_no_capacity_for_the_planned_type,
            fallback=True,
        ),
        Scenario(
            "capacity-fallback-follow-capacity",
            "As capacity-fallback, with dns.shift follow-capacity: the ramp's first look after the rollback falls back "
            "to the next instance type; traffic follows the capacity that serves, never more.",
            primary_outage,
            "failover",
            prepare=_no_capacity_for_the_planned_type,
            fallback=True,
            shift=FOLLOW_CAPACITY,
        ),
        *SIGNAL_SCENARIOS,
        *DNS_SCENARIOS.values(),
        *ARC_SCENARIOS,
    )
}
