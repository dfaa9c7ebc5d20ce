"""The invariants every run must keep, judged from the local cloud's ground truth (its writer regions, the DNS answer a
resolver gets, the DNS history with the world each change was made in, the runs table as moto holds it, the
notifications), whatever the run's status.

End state (``end_state``, also what ``evac drill --inject`` checks):

- ``one_writer``: at most one writer, counting the switchover or failover in flight as done;
- ``dns_at_writer``: the DNS answer points at the writer's region. A failed run that splits them breaks it, unless it
  ended with a named escalation error whose notification gives the commands that finish it by hand: then the run
  is ``escalated`` (not clean, not violated) and says why;
- ``capacity``: no DNS change ever sent traffic to a region that was not, at that moment, the writer and serving at
  capacity, nor before the runbook had verified both;
- ``lock_released``: no lock left held (a lease alone excuses it only where the release itself was refused);
- ``run_record`` and ``notified``: the evidence of every run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from evacops.chaos.policy import EXEMPT, HELD_BACK, OUTSIDE_THE_RUN, READINESS_READ, WARM_UPS, best_effort
from evacops.chaos.trigger import evidence, one_runbook, trigger_outcome
from evacops.drill.moves import moves, overloads
from evacops.drill.scenarios import SCENARIOS
from evacops.localcloud.faults import iam_action, parse_fault

if TYPE_CHECKING:
    from evacops.chaos.sites import Case
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Fault

# Named errors whose message (and so the failure notification) says what to run by hand to finish the failover.
ESCALATIONS: Final = frozenset({"ManualCompletionRequiredError", "DnsControlPlaneUnavailableError"})
END_STATE: Final = ("one_writer", "dns_at_writer", "capacity", "lock_released", "run_record", "notified")
BLOCKED: Final = "SecondaryNotReadyError"  # a critical readiness check failed: the automatic path does not fail over
Outcome = Literal["clean", "escalated", "violated"]


@dataclass
class Verdict:
    """What a run left behind: every invariant it broke, and whether it ended clean, escalated or violated."""

    violations: list[str] = field(default_factory=list)
    escalation: str | None = None  # why the run escalated: its error, and the split it left to finish by hand

    @property
    def outcome(self) -> Outcome:
        if self.violations:
            return "violated"
        return "escalated" if self.escalation else "clean"


def end_state(cloud: LocalCloud, report: DrillReport, *, exempt: str | None = None, expect_run: bool = True) -> Verdict:
    """The end-state invariants of the run ``report`` describes (``exempt``: one piece of evidence a refused call
    took away; ``expect_run``: a drill that must have started a runbook, so no run at all is a missing record)."""
    truth = cloud.truth
    verdict = Verdict()
    writers = truth.eventual_writer_regions()
    if len(writers) > 1:
        verdict.violations.append(f"one_writer: writers {writers}")
    dns = truth.dns_region()
    if dns is None or dns not in writers:
        split = f"writer {writers or 'none'}, DNS answers {truth.dns_answer()} ({dns or 'no single region'})"
        if escalation := escalated(report):
            verdict.escalation = f"{escalation}: {split}; the notification says how to finish by hand"
        else:
            verdict.violations.append(f"dns_at_writer: {split}, after a {report.status} run ({report.error})")
    verdict.violations += dns_violations(cloud)
    # the last run's target keeps its lock, record and topic: the secondary, or the primary after a failback
    target, application, incident = report.to_region, cloud.plan.application, report.incident_id
    holder = truth.lock_holder(target, application)
    if holder is not None and not (exempt == "lock_released" and truth.lock_lease(target, application)):
        verdict.violations.append(f"lock_released: held by {holder}")
    if exempt != "run_record" and incident and truth.run(target, incident) is None:
        verdict.violations.append("run_record: none written")
    elif expect_run and not incident:
        verdict.violations.append("run_record: no runbook ran, so nothing was recorded")
    if not (expect_run or incident):
        return verdict  # no run, so no run's evidence: what told people of that is the caller's to judge
    if exempt != "notified" and not (incident and any(incident in m for m in truth.notifications(target))):
        verdict.violations.append("notified: nothing published")
    return verdict


def end_state_checks(verdict: Verdict) -> list[tuple[str, bool, str]]:
    """Each end-state invariant as ``(name, ok, detail)``, for a drill report's ``invariants``."""
    found = []
    for name in END_STATE:
        broken = [v.removeprefix(f"{name}: ") for v in verdict.violations if v.startswith(f"{name}:")]
        held = f"escalated: {verdict.escalation}" if name == "dns_at_writer" and verdict.escalation else "held"
        found.append((name, not broken, "; ".join(broken) or held))
    return found


def escalated(report: DrillReport) -> str | None:
    """The named escalation error a run of the drill published with the AWS CLI commands to finish by hand, if one
    did (a later run may have ended otherwise, e.g. a new incident refused with AlreadyActiveError)."""
    if report.status == "SUCCEEDED":
        return None
    return next(
        (
            name
            for m in report.notifications
            for name in sorted(ESCALATIONS)
            if name in m and "aws route53 change-resource-record-sets" in m
        ),
        None,
    )


def run_invariants(
    cloud: LocalCloud, report: DrillReport, scenario: str, *, exempt: str | None = None, expect_run: bool = True
) -> Verdict:
    """The end state, and what the trigger started: no more runbooks than ``scenario`` starts, none on evidence
    nobody could read."""
    verdict = end_state(cloud, report, exempt=exempt, expect_run=expect_run)
    verdict.violations += one_runbook(cloud, SCENARIOS[scenario].runbooks)
    verdict.violations += evidence(cloud)
    return verdict


def invariants(cloud: LocalCloud, report: DrillReport, case: Case, fault: Fault) -> Verdict:
    """Every invariant the matrix case's run broke (the end state, at most the scenario's runbooks, none started on
    unreadable evidence, the fault exercised, the outcome expected)."""
    exempt = EXEMPT.get(case.site.key) if case.kind == "access-denied" else None
    verdict = run_invariants(
        cloud, report, case.site.scenario, exempt=exempt, expect_run=case.expected_status != HELD_BACK
    )
    if not cloud.faults.injected(fault):
        verdict.violations.append("exercised: the fault was never injected")
    if case.site.group == "trigger":
        verdict.violations += trigger_outcome(cloud, report, case)
        return verdict
    if case.site.base:
        verdict.violations += base_outcome_violations(case, report)
        return verdict
    record = cloud.truth.run(cloud.plan.regions.secondary, report.incident_id) if report.incident_id else None
    verdict.violations += outcome_violations(case, report, record)
    return verdict


def base_outcome_violations(case: Case, report: DrillReport) -> list[str]:
    """``outcome`` of a case played after a base fault (the failure path's): the run ends as the base fault made it,
    naming that fault's call. The case's own fault is judged by the end state: the record, the notification and the
    lock are each there, or (that call denied) excused as the evidence the denial took away."""
    failed_on = parse_fault(case.site.base).operation or case.site.base
    if report.status == case.expected_status and failed_on in (report.cause or ""):
        return []
    cause = (report.cause or "")[:160]
    return [f"outcome: {report.status} ({report.error}: {cause}), expected {case.expected_status} naming {failed_on}"]


def outcome_violations(case: Case, report: DrillReport, record: dict[str, Any] | None) -> list[str]:
    operation = case.site.operation
    if case.kind == "access-denied" and best_effort(case.site) is READINESS_READ and report.error == BLOCKED:
        named = operation in (report.cause or "")  # a denied critical read blocks the automatic path, naming it
        return [] if named else [f"outcome: {BLOCKED} does not name {operation}: {(report.cause or '')[:160]}"]
    if report.status != case.expected_status:
        cause = (report.cause or "")[:160]
        return [f"outcome: {report.status} ({report.error}: {cause}), expected {case.expected_status}"]
    if case.kind != "access-denied":
        return []
    if best_effort(case.site):
        # its warnings, or the readiness report it keeps; a caller outside the run names the call in its own report,
        # and a warm-up in its caller's log (nothing about the run changed)
        elsewhere = case.site.caller in OUTSIDE_THE_RUN or case.site.key in WARM_UPS
        noted = elsewhere or operation in json.dumps(record or {})
        return [] if noted else [f"outcome: the run record does not name {operation}"]
    said = [report.cause or "", *report.notifications]  # the error, or the failure notification of an earlier run
    if not any(operation in text or iam_action(case.site.service, operation) in text for text in said):
        return [f"outcome: the error does not name {operation}: {report.error}: {(report.cause or '')[:160]}"]
    return []


def dns_violations(cloud: LocalCloud) -> list[str]:
    """``capacity``: DNS changes that sent traffic to a region not ready, or not yet verified by the runbook, when
    submitted. A plan whose traffic follows capacity (``dns.shift.policy: follow-capacity``) moves it in steps by
    design: there, no region may get a larger share than its InService capacity could serve at that moment (the
    drill's own ground-truth moves), and the target none before it writes."""
    plan = cloud.plan
    if plan.dns.shift.policy == "follow-capacity":
        return _ramp_violations(cloud)
    region_of = {set_id: region for region, set_id in plan.dns.set_identifiers.items()}
    verified = _verified_at(cloud)
    broken = []
    for change in cloud.route53.history:
        world = change.get("world")
        if world is None:
            continue  # the seed's record sets, before the cloud observed anything
        for entry in change["changes"]:
            record = entry["ResourceRecordSet"]
            region = region_of.get(record.get("SetIdentifier", ""))
            if region is None or int(record.get("Weight", 0)) == 0:
                continue
            if region not in world["writers"] or not world["serving"][region]:
                broken.append(f"capacity: traffic sent to {region} at {change['submitted']:.0f}s; it was {world}")
            elif region != plan.regions.primary and verified.get(region, float("inf")) > change["submitted"]:
                broken.append(f"capacity: traffic sent to {region} before the runbook verified it")
    return broken


def _ramp_violations(cloud: LocalCloud) -> list[str]:
    target = cloud.plan.regions.secondary
    writers = {c["submitted"]: c["world"]["writers"] for c in cloud.route53.history if c.get("world")}
    broken = [f"capacity: {over}" for over in overloads(moves(cloud))]
    for move in moves(cloud):
        if move.shares.get(target) and target not in writers.get(move.submitted, [target]):
            broken.append(
                f"capacity: {move.shares[target]}% of traffic to {target} at {move.submitted:.0f}s, not the writer"
            )
    return broken


def _verified_at(cloud: LocalCloud) -> dict[str, float]:
    """When the runbook had seen both the target's writer and every endpoint serving at capacity (modelled
    seconds): the database polls that saw the writer, and each endpoint's scale or poll that saw it done."""
    database: dict[str, float] = {}
    endpoints: dict[str, dict[str, float]] = {}
    for invocation in cloud.runtime.invocations:
        result = invocation.result or {}
        name = cloud.runtime.logical_id(invocation.function) or invocation.function
        if name == "CheckEndpointFunction":  # every endpoint's poll, in one task: each seen done when it was
            for poll in result.get("polls", []):
                if poll.get("done") and poll.get("ref"):
                    endpoints.setdefault(invocation.region, {}).setdefault(str(poll["ref"]), invocation.ended)
        if not result.get("done"):
            continue
        if result.get("detail", {}).get("writer_region", invocation.region) != invocation.region:
            continue  # a failed planned run's switch back, done when the writer is home again
        if name in ("CheckDatabaseFunction", "PromoteDatabaseFunction"):
            database.setdefault(invocation.region, invocation.ended)
        elif name == "ScaleEndpointFunction" and result.get("ref"):
            endpoints.setdefault(invocation.region, {}).setdefault(str(result["ref"]), invocation.ended)
    planned = {e.name for e in cloud.plan.inference.endpoints}
    return {
        region: max(at, *endpoints[region].values())
        for region, at in database.items()
        if set(endpoints.get(region, {})) >= planned
    }
