"""Outside-in detection drills: outages played as faults that the probes see, never as alarm states set by hand.

The probe alarms live outside the region they watch (the secondary's, the witness's) and are evaluated by the local
cloud from the probes' own metrics, so a scenario only makes the watched region fail as seen from some vantage
points, then waits long enough for the probes, the alarm evaluation and the sustain window to have decided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evacops.localcloud.faults import Fault

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evacops.drill.scenarios import Options, Scenario
    from evacops.localcloud import LocalCloud

PROBER = "ProbeFunction"  # the logical id of the template's prober: faults aimed at its calls only


def vantages_of(plan: RecoveryPlan, watched: str) -> list[str]:
    """The regions whose probes watch ``watched``: its peer, and the witness when it is the primary."""
    return [v for v in plan.vantages if v != watched and plan.probed_by(v) == watched]


def probes_fail(
    cloud: LocalCloud,
    watched: str,
    *,
    vantages: list[str] | None = None,
    kind: str = "timeout",
    share: float | None = None,
    service: str | None = None,
) -> list[Fault]:
    """The probe calls from ``vantages`` (every prober of ``watched`` by default) to ``watched`` fail: all of them, or
    ``share`` of them (of ``service``'s calls only, if given), each vantage point on its own count."""
    return [
        cloud.faults.inject(
            Fault(kind, service=service, region=watched, caller=PROBER, caller_region=v, calls=None, share=share)  # type: ignore[arg-type]
        )
        for v in vantages or vantages_of(cloud.plan, watched)
    ]


def decision_window(plan: RecoveryPlan) -> float:
    """Modelled seconds within which a probe outage has either started a runbook or never will: a period to the next
    round, DatapointsToAlarm breaching periods, the evaluation tick, the sustain window, and one more period."""
    probes = plan.probes
    return (probes.evaluation_periods + 2) * probes.period_seconds + plan.trigger.sustain_seconds + 10


def await_runbook(cloud: LocalCloud, target: str) -> bool:
    """Wait until a runbook runs in ``target`` (or the decision window passed): the engine then follows it. The clock
    asks at each of its looks, so the wait adds no moves of time of its own: polling once a modelled second made a
    third of a primary outage's."""
    return cloud.clock.wait_until(cloud.truth.started(target), decision_window(cloud.plan))


def primary_outage_seen_from_outside(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    """The primary stops answering: every probe of it, from every vantage point, times out."""
    primary = cloud.plan.regions.primary
    probes_fail(cloud, primary)
    await_runbook(cloud, cloud.plan.peer(primary))


def region_blackout(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    """The primary goes dark first: every call to it times out, its alarms, metrics and bus deliver nothing. No alarm
    is set by hand: the probes from the secondary and the witness see it, and their alarms live outside it."""
    primary = cloud.plan.regions.primary
    cloud.faults.blackout(primary)
    await_runbook(cloud, cloud.plan.peer(primary))


def prober_partition(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
    """Only the witness loses the primary (its own network trouble): its probes time out, the secondary's answer."""
    plan = cloud.plan
    witness = plan.probes.witness
    if witness is None:
        raise ValueError("prober-partition needs a plan with probes.witness (a second vantage point)")
    probes_fail(cloud, plan.regions.primary, vantages=[witness])
    cloud.clock.sleep(decision_window(plan))


def gray_failure(share: float) -> Callable[[LocalCloud, Options], None]:
    """The primary answers, but ``share`` of its canary InvokeEndpoint calls fail (a 5xx), from every vantage point."""

    def play(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001
        primary = cloud.plan.regions.primary
        probes_fail(cloud, primary, kind="5xx", share=share, service="sagemaker-runtime")
        await_runbook(cloud, cloud.plan.peer(primary))  # or the window passes: the verdicts say whether either did

    return play


def scenarios() -> list[Scenario]:
    """The outside-in detection drills (registered in ``evacops.drill.scenarios.SCENARIOS``)."""
    from evacops.drill.scenarios import Scenario

    return [
        Scenario(
            "prober-partition",
            "Only the witness loses the primary (its own network trouble): one vantage point is no quorum; no "
            "failover, and a notification says it was held back.",
            prober_partition,
            "no-failover",
            runbooks=0,
            notice="quorum not met",
        ),
        Scenario(
            "gray-failure",
            "The primary answers, but three canary calls in four fail (a 5xx): every probe round breaches, the probe "
            "alarms of both vantage points hold, one failover.",
            gray_failure(0.75),
            "failover",
        ),
        Scenario(
            "gray-failure-below-threshold",
            "The primary answers, but one canary call in four fails: a round breaches alone, never the plan's "
            "datapoints_to_alarm in a row; nothing starts.",
            gray_failure(0.25),
            "no-failover",
            runbooks=0,
        ),
    ]
