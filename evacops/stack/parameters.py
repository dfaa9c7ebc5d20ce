"""The template parameters of the stack in one region, derived from the plan: what `evac plan params` prints for
``sam deploy`` and what the local cloud deploys with (one derivation, so the two cannot drift)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac.errors import PlanError

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan


def stack_parameters(plan: RecoveryPlan, region: str) -> dict[str, Any]:
    """Parameters for ``region``: one of the plan's two (a member stack) or its probes.witness (a witness stack,
    whose alarm events go to the secondary). Raises PlanError for any other region.

    >>> stack_parameters(plan, "us-east-2")["StackRole"]
    'witness'
    """
    witness = region == plan.probes.witness
    if not witness and region not in plan.regions.both:
        raise PlanError(
            f"region {region!r} is not in the plan (regions: {', '.join(plan.regions.both)}"
            f"{f'; witness: {plan.probes.witness}' if plan.probes.witness else ''})"
        )
    probes = plan.probes
    return {
        "Application": plan.application,
        "PeerRegion": plan.regions.secondary if witness else plan.peer(region),
        "TriggerAlarmNames": [a.name for a in plan.alarms],
        "StackRole": "witness" if witness else "member",
        "ProbedRegion": plan.probed_by(region),
        "ProbePeriodSeconds": probes.period_seconds,
        "ProbePeriodMinutes": probes.period_seconds // 60,
        "ProbeFailureThreshold": probes.failure_threshold,
        "ProbeEvaluationPeriods": probes.evaluation_periods,
        "ProbeDatapointsToAlarm": probes.datapoints,
    }
