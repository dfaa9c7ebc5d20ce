"""A planned move run by ARC Region switch instead of evac's runbook: the plan exported as a Region switch plan
(``evac plan export --arc``), created on the local cloud's Region switch (``fidelity.arc_region_switch``) and executed
to activate the secondary, gracefully. ARC's own blocks move the writer and the traffic; every other step is a custom
action that invokes evac's ``ArcActionFunction`` in the secondary's stack (readiness, the endpoints' capacity, the
verification, the run record).

Set up as an operator does before a game day (docs/arc.md): the export's function ARNs replaced by the stack's physical
names, and the Route 53 health checks the plan creates attached to the record sets in place of evac's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from evacops.arc.export import ACTION_FUNCTION, Target, create_plan_request
from evacops.drill.moves import FULL, capacity_at
from evacops.drill.scenarios import Scenario
from evacops.localcloud.deploy import ACCOUNT

if TYPE_CHECKING:
    from evacops.drill.scenarios import ExtraCheck, Options
    from evacops.localcloud import LocalCloud

_ROUTE53_REGION = "us-east-1"


def exported(cloud: LocalCloud) -> dict[str, Any]:
    """The cloud's plan as a ``CreatePlan`` request for its account, with the stacks' real function ARNs."""
    request = create_plan_request(cloud.plan, Target(account=ACCOUNT, stack_name="evac", hosted_zone_id=cloud.zone_id))
    pending = [step for workflow in request["workflows"] for step in workflow["steps"]]
    while pending:
        step = pending.pop()
        config = step["executionBlockConfiguration"]
        pending += config.get("parallelConfig", {}).get("steps", [])
        for function in config.get("customActionLambdaConfig", {}).get("lambdas", []):
            function["arn"] = cloud.stacks[function["arn"].split(":")[3]].function_arns[ACTION_FUNCTION]
    return request


def attach_health_checks(cloud: LocalCloud, plan_arn: str) -> None:
    """Attach the health checks the Region switch plan created to the plan's record sets (the operator's step), and
    wait until Route 53 has the change everywhere."""
    dns, by_set = cloud.plan.dns, cloud.region_switch.health_checks(plan_arn)
    if not by_set:
        return  # the plan's traffic moves another way (routing controls, evac's weights)
    route53 = boto3.client("route53", _ROUTE53_REGION)
    found = route53.list_resource_record_sets(HostedZoneId=cloud.zone_id)["ResourceRecordSets"]
    changes = [
        {"Action": "UPSERT", "ResourceRecordSet": {**r, "HealthCheckId": by_set[r["SetIdentifier"]]}}
        for r in found
        if r["Name"].rstrip(".") == dns.record_name.rstrip(".") and r.get("SetIdentifier") in by_set
    ]
    route53.change_resource_record_sets(HostedZoneId=cloud.zone_id, ChangeBatch={"Changes": changes})  # type: ignore[typeddict-item]
    cloud.clock.sleep(cloud.latencies.dns_propagation)


def _arc_switchover(cloud: LocalCloud, options: Options) -> None:  # noqa: ARG001 - every play takes the options
    plan_arn = cloud.region_switch.create_plan(exported(cloud))
    attach_health_checks(cloud, plan_arn)
    cloud.region_switch.start(plan_arn, cloud.plan.regions.secondary)


def _arc_ran_evacs_steps(cloud: LocalCloud, began: float) -> list[ExtraCheck]:  # noqa: ARG001
    """ARC ran every step and invoked ArcActionFunction in the target; traffic moved only to full capacity."""
    executions = cloud.region_switch.executions
    execution = executions[-1] if executions else None
    target = cloud.plan.regions.secondary
    if execution is None:
        return [("arc_execution", False, "no Region switch execution ran")]
    steps = ", ".join(f"{s.name} {s.status} ({s.attempts or 1})" for s in execution.steps)
    invoked = [i for i in cloud.runtime.invocations if i.function.endswith(ACTION_FUNCTION) and i.region == target]
    shift = next((s for s in execution.steps if s.name == "shift-traffic"), None)
    serving = capacity_at(cloud, target, shift.started) if shift else 0
    return [
        ("arc_execution", execution.status == "completed", f"{execution.status}: {steps}"),
        ("arc_custom_actions", bool(invoked), f"{len(invoked)} invocation(s) of {ACTION_FUNCTION} in {target}"),
        (
            "traffic_within_capacity",
            shift is not None and serving >= FULL,
            f"traffic moved at {shift.started if shift else None} s, when {target} could serve {serving}%",
        ),
    ]


ARC_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "arc-switchover",
        "Planned, by ARC Region switch: the plan exported with `evac plan export --arc` runs on the local cloud's "
        "Region switch; its Aurora block switches the writer over, evac's custom actions raise the capacity, verify "
        "and record, its Route 53 health check block moves the traffic. No runbook runs.",
        _arc_switchover,
        "switchover",
        runbooks=0,
        triggered=False,
        arc=True,
        checks=_arc_ran_evacs_steps,
    ),
)
