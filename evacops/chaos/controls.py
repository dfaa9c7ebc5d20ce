"""Negative controls: for every invariant, a seeded violation the checker must catch (principle 9: a checker is trusted
only once it has failed).

Each control plays a drill made wrong on purpose - a runbook variant (its ASL edited as it is deployed), a world
edited after the run (two writers, a record deleted, a notification lost, DNS sent back to a region that does not
write), or a fault that never meets a call - and passes only if the invariant it names reports it. A control that is
not caught fails ``evac chaos``; an invariant without a control is not counted.
"""

from __future__ import annotations

import importlib
import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

import boto3
from moto.sns.models import sns_backends

from evac.aws.dynamodb import RUN_PREFIX
from evacops.chaos.invariants import Verdict, invariants, run_invariants
from evacops.chaos.readiness import READINESS, play_readiness, readiness_verdict
from evacops.chaos.sites import FAILED_RUN, Case, Site, chaos_latencies, matrix_drill
from evacops.localcloud.deploy import ACCOUNT
from evacops.localcloud.fidelity.rds import find_global_cluster

_CHECK: Final = importlib.import_module("evac.domain.readiness.probes").check  # before any control patches it

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud

_DEPLOY: Final = importlib.import_module("evacops.localcloud.deploy")  # the module (the package exports a function)
_RUNBOOK: Final = '"PromoteDatabase"'  # what tells the failover runbook's definition from the others'
_WATCH: Final = '"StartRunbook"'  # and the confirmation watch's


@dataclass(frozen=True)
class Control:
    """A seeded violation: ``catches`` is the invariant that must report it."""

    name: str
    catches: str
    scenario: str
    seeded: str  # what was made wrong, for people
    case: Case | None = None  # a matrix case to play (its fault injected, its outcome and exercise checked)
    variant: Callable[[dict[str, Any]], None] | None = None  # edits the runbook's ASL as it is deployed
    after: Callable[[LocalCloud, DrillReport], None] | None = None  # edits the world after the run
    machine: str = _RUNBOOK  # which state machine ``variant`` edits: a state only its definition has
    patches: tuple[tuple[str, Any], ...] = ()  # (target, replacement): evac's own code made wrong for the drill


@dataclass
class ControlResult:
    name: str
    catches: str
    seeded: str
    caught: bool
    violations: list[str] = field(default_factory=list)


def _case(
    scenario: str, caller: str, service: str, operation: str, region: str, kind: str, plan_target: str, group: str = ""
) -> Case:
    site = Site(scenario, caller, service, operation, region, None, 1, None, plan_target, group or "runbook")  # type: ignore[arg-type]
    return Case(site, kind, "first")  # type: ignore[arg-type]


# --- runbook variants -------------------------------------------------------------------------------------------------
def _fail_plainly(asl: dict[str, Any]) -> None:
    """The runbook before "never make it worse": any failure after promotion records and stops, nothing undone."""
    for name in ("Promote", "ShiftDns"):
        asl["States"][name]["Catch"] = [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}
        ]


def _escalate_without_commands(asl: dict[str, Any]) -> None:
    """An escalation whose notification names the error but not how to finish by hand."""
    asl["States"]["Escalate"]["Parameters"]["Cause.$"] = "$.error.Cause"


def _skip_lock_release(asl: dict[str, Any]) -> None:
    notify = asl["States"]["Notify"]
    notify["Next"] = "Notified?"
    notify["Catch"][0]["Next"] = "Notified?"


def _no_retry_on_shift(asl: dict[str, Any]) -> None:
    asl["States"]["ShiftDns"].pop("Retry")


def _no_retry_on_release_after_failure(asl: dict[str, Any]) -> None:
    asl["States"]["ReleaseLockAfterFailure"].pop("Retry")


def _a_runbook_per_watch(asl: dict[str, Any]) -> None:
    """A watch that names the runbook's execution afresh, not after the incident: each alarm's watch starts one."""
    parameters = asl["States"]["StartRunbook"]["Parameters"]
    parameters["Name.$"] = "States.UUID()"


def _guards_pass(_plan: Any, _world: Any, _target: str) -> None:
    """Guards that let every watch through: however the watches of one alarm storm interleave with the first run
    (its lock, its promotion), each one decides to start; only the execution's name could stop the second."""


def _counts_what_it_cannot_read(_alarm: Any, _signal: Any, _world: Any, _sustain: int, *, agreeing: bool) -> bool:  # noqa: ARG001
    """A trigger policy that counts every alarm toward the quorum, read or not."""
    return True


def _never_blind(_alarm: Any, _world: Any, _source: str) -> bool:
    return False


def _unread_passes(*args: Any) -> Any:
    """A readiness check that counts what it could not read, or was refused, as passed."""
    found = _CHECK(*args)
    unread = found.evidence.startswith(("refused", "could not be read"))
    return found.model_copy(update={"status": "pass", "remediation": ""}) if unread else found


# --- worlds edited after the run --------------------------------------------------------------------------------------
def _two_writers(cloud: LocalCloud, _report: DrillReport) -> None:
    """A local-cloud mode no AWS API offers: every member of the global cluster writes."""
    found = find_global_cluster(ACCOUNT, cloud.plan.database.global_cluster)
    assert found is not None
    for member in found.members:
        member.is_writer = True


def _delete_record(cloud: LocalCloud, report: DrillReport) -> None:
    region = cloud.plan.regions.secondary
    boto3.client("dynamodb", region).delete_item(
        TableName=cloud.stacks[region].table, Key={"pk": {"S": RUN_PREFIX + str(report.incident_id)}}
    )


def _lose_notifications(cloud: LocalCloud, _report: DrillReport) -> None:
    region = cloud.plan.regions.secondary
    sns_backends[ACCOUNT][region].topics[cloud.stacks[region].topic_arn].sent_notifications.clear()


def _traffic_to_old_primary(cloud: LocalCloud, _report: DrillReport) -> None:
    """An operator sends all traffic back to the failed primary, which neither writes nor serves."""
    plan = cloud.plan
    dns = plan.dns
    changes: list[Any] = [
        {
            "Action": "UPSERT",
            "ResourceRecordSet": {
                "Name": dns.record_name,
                "Type": dns.record_type,
                "SetIdentifier": dns.set_identifiers[region],
                "Weight": weight,
                "TTL": dns.ttl,
                "ResourceRecords": [{"Value": dns.targets[region]}],
            },
        }
        for region, weight in ((plan.regions.primary, 100), (plan.regions.secondary, 0))
    ]
    boto3.client("route53").change_resource_record_sets(HostedZoneId=cloud.zone_id, ChangeBatch={"Changes": changes})


def controls(plan: RecoveryPlan) -> list[Control]:
    """The negative controls, at least one per invariant."""
    target = plan.regions.secondary
    shift_denied = _case(
        "planned-switchover", "ShiftDnsFunction", "route53", "ChangeResourceRecordSets", "aws-global", "access-denied",
        target,
    )  # fmt: skip
    scale_denied = _case(
        "primary-outage", "ScaleEndpointFunction", "application-autoscaling", "RegisterScalableTarget", target,
        "access-denied", target,
    )  # fmt: skip
    shift_throttled = _case(
        "primary-outage", "ShiftDnsFunction", "route53", "ChangeResourceRecordSets", "aws-global", "throttling", target
    )
    never_called = _case("primary-outage", "ShiftDnsFunction", "sagemaker", "DeleteEndpoint", target, "5xx", target)
    alarms_denied = _case(
        "primary-outage", "ConfirmFunction", "cloudwatch", "DescribeAlarms", target, "access-denied", target, "trigger"
    )
    endpoint_unread = _case(
        READINESS, "ReadinessFunction", "sagemaker", "DescribeEndpoint", target, "access-denied", target, READINESS
    )
    release_throttled = Case(
        Site("primary-outage", "FailoverRunbook", "dynamodb", "DeleteItem", target, None, 1, None, target, "failure",
             plan.regions.primary, FAILED_RUN),
        "throttling",
        "first",
    )  # fmt: skip
    return [
        Control("two-writers", "one_writer", "primary-outage", "every member of the global cluster writes",
                after=_two_writers),
        Control("split-left-behind", "dns_at_writer", "planned-switchover",
                "a runbook that records a failure after promotion and stops (ShiftDns denied)", shift_denied,
                variant=_fail_plainly),
        Control("escalation-without-commands", "dns_at_writer", "primary-outage",
                "an escalation whose notification omits the commands (RegisterScalableTarget denied)",
                scale_denied, variant=_escalate_without_commands),
        Control("traffic-to-a-region-not-writing", "capacity", "primary-outage",
                "DNS sent back to the failed primary after the run", after=_traffic_to_old_primary),
        Control("lock-never-released", "lock_released", "primary-outage", "a runbook that skips ReleaseLock",
                variant=_skip_lock_release),
        Control("record-deleted", "run_record", "primary-outage", "the run record deleted after the run",
                after=_delete_record),
        Control("notification-lost", "notified", "primary-outage", "the topic's messages lost",
                after=_lose_notifications),
        Control("fault-never-met", "exercised", "primary-outage", "a fault on a call the runbook never makes",
                never_called),
        Control("failed-run-keeps-its-lock", "lock_released", "primary-outage",
                "a runbook whose lock release after a failure is not retried (one throttled DeleteItem in a run that"
                " failed in preflight)", release_throttled, variant=_no_retry_on_release_after_failure),
        Control("retry-removed", "outcome", "primary-outage",
                "a runbook without ShiftDns's Retry (one throttled ChangeResourceRecordSets)", shift_throttled,
                variant=_no_retry_on_shift),
        Control("a-runbook-per-alarm", "one_runbook", "primary-outage",
                "a watch that names the runbook's execution afresh, its guards blind to the run in flight: each"
                " alarm's watch starts its own",
                variant=_a_runbook_per_watch, machine=_WATCH,
                patches=(("evac.domain.trigger._guards", _guards_pass),)),
        Control("start-on-unread-alarms", "evidence", "primary-outage",
                "a trigger policy that counts alarms it could not read (DescribeAlarms denied in the target region)",
                alarms_denied, patches=(("evac.domain.trigger._counts", _counts_what_it_cannot_read),
                                        ("evac.domain.trigger._blind", _never_blind))),
        Control("readiness-fails-open", "fail_closed", READINESS,
                "a readiness report that counts a check it could not read as passed (DescribeEndpoint denied)",
                endpoint_unread, patches=(("evac.domain.readiness.probes.check", _unread_passes),)),
    ]  # fmt: skip


def play_control(control: Control, *, plan: RecoveryPlan) -> ControlResult:
    """Play the control's drill and check it: caught if the invariant it names reports a violation."""
    found: dict[str, Verdict] = {}
    case = control.case
    faults = case.faults if case else []  # the objects injected: the injector tells its faults apart by identity
    fault = faults[-1] if faults else None  # the case's own (after its site's base fault, if any)

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        if control.after:
            control.after(cloud, report)
        played = invariants(cloud, report, case, fault) if case and fault else None
        found["verdict"] = played or run_invariants(cloud, report, control.scenario)

    def deployed(definition: str, substitutions: dict[str, str]) -> str:
        filled = deploy_substitute(definition, substitutions)
        if control.variant is None or control.machine not in filled:
            return filled
        asl = json.loads(filled)
        control.variant(asl)
        return json.dumps(asl)

    deploy_substitute = _DEPLOY.substitute
    with ExitStack() as stack:
        stack.enter_context(patch.object(_DEPLOY, "substitute", deployed))
        for target, replacement in control.patches:
            stack.enter_context(patch(target, replacement))
        if control.scenario == READINESS and case:  # the readiness report, played apart (evacops.chaos.readiness)
            readiness = play_readiness(plan, latencies=chaos_latencies(plan), faults=faults)
            found["verdict"] = readiness_verdict(readiness, case)
        else:
            matrix_drill(control.scenario, plan=plan, faults=faults, inspect=inspect)
    violations = found["verdict"].violations if "verdict" in found else []
    caught = any(v.startswith(f"{control.catches}:") for v in violations)
    return ControlResult(control.name, control.catches, control.seeded, caught, violations)
