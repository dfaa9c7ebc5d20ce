"""The verdict on the plan's ``resources:`` after a run that moved: each in its expected state in the target (and,
after a graceful run, the pipelines off in the source), read from the local cloud's ground truth (moto's backends,
``evacops.localcloud.seed_kinds.resource_states``), never through evac's adapters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac.domain.plan_resources import (
    AutoScalingGroup,
    CustomAction,
    EcsService,
    EventBridgeRule,
    EventSourceMapping,
    Schedule,
)
from evacops.drill.report import Verdict
from evacops.localcloud.deploy import ACCOUNT
from evacops.localcloud.seed_kinds import resource_states

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_resources import Resource
    from evacops.drill.report import DrillReport


def resources_recovered(report: DrillReport, plan: RecoveryPlan) -> Verdict:
    """Every resource recovered where the traffic went: ECS tasks running and healthy targets at the active count,
    an Auto Scaling group's instances InService and healthy targets at its active capacity, the global table's
    replica there, consumers, schedules and rules enabled, a custom resource's function run there for this run
    (unless an ungraceful run skips it); after a switchover, consumers, schedules and rules off in the source."""
    target = report.to_region
    states = resource_states(plan, target, ACCOUNT)
    source = resource_states(plan, plan.peer(target), ACCOUNT)
    wrong = [
        f"{r.name} in {target}: {states[r.name]}" for r in plan.resources if not _recovered(r, states[r.name], report)
    ]
    if report.strategy == "switchover":
        wrong += [
            f"{r.name} still on in {plan.peer(target)}"
            for r in plan.resources
            if isinstance(r, EventSourceMapping | Schedule | EventBridgeRule)
            and r.graceful == "disable"
            and source[r.name]["enabled"]
        ]
    detail = "; ".join(wrong) or f"{len(plan.resources)} resource(s) recovered in {target}: {states}"
    return Verdict(name="resources", ok=not wrong, detail=detail[:400])


def _recovered(resource: Resource, state: dict[str, Any], report: DrillReport) -> bool:
    if isinstance(resource, AutoScalingGroup):
        active = resource.active_capacity
        healthy = state["healthy"] >= active or not resource.wait_healthy_targets
        return bool(state["in_service"] >= active and state["minimum"] >= active and healthy)
    if isinstance(resource, CustomAction):
        if report.strategy == "failover" and resource.ungraceful == "skip":
            return True
        ran = state["ran"] or {}
        return bool(ran.get("target_region") == report.to_region and ran.get("incident_id") == report.incident_id)
    if isinstance(resource, EcsService):
        active = resource.active_count
        healthy = state["healthy"] >= active or not resource.wait_healthy_targets
        return bool(state["running"] >= active and state["desired"] >= active and healthy)
    if isinstance(resource, EventSourceMapping | Schedule | EventBridgeRule):
        return bool(state["enabled"])
    return bool(state["exists"])
