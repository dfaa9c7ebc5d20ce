"""The invariants every fault-matrix scenario must keep, judged from the local cloud's ground truth (its writer
regions, DNS history with the world each change was made in, the runs table as moto holds it, the notifications)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from evacops.chaos.policy import EXEMPT, best_effort
from evacops.localcloud.faults import iam_action

if TYPE_CHECKING:
    from evacops.chaos.sites import Case
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Fault


def invariants(cloud: LocalCloud, report: DrillReport, case: Case, fault: Fault) -> list[str]:
    """Every invariant the run broke, each as one line naming it."""
    broken = []
    writers = cloud.writer_regions()
    if len(writers) != 1:
        broken.append(f"one_writer: writers {writers}")
    broken += dns_violations(cloud)
    target = cloud.plan.regions.secondary
    incident = report.incident_id
    exempt = EXEMPT.get(case.site.key) if case.kind == "access-denied" else None
    holder = cloud.truth.lock_holder(target, cloud.plan.application)
    if holder is not None and exempt != "lock_released":
        broken.append(f"lock_released: held by {holder}")
    record = cloud.truth.run(target, incident) if incident else None
    if record is None and exempt != "run_record":
        broken.append("run_record: none written")
    if exempt != "notified" and not (incident and any(incident in m for m in cloud.notifications(target))):
        broken.append("notified: nothing published")
    if not cloud.faults.injected(fault):
        broken.append("exercised: the fault was never injected")
    broken += outcome_violations(case, report, record)
    return broken


def outcome_violations(case: Case, report: DrillReport, record: dict[str, Any] | None) -> list[str]:
    operation = case.site.operation
    if report.status != case.expected_status:
        cause = (report.cause or "")[:160]
        return [f"outcome: {report.status} ({report.error}: {cause}), expected {case.expected_status}"]
    if case.kind != "access-denied":
        return []
    if best_effort(case.site):
        noted = json.dumps(record or {})  # its warnings, or the readiness report it keeps
        return [] if operation in noted else [f"outcome: the run record does not name {operation}"]
    if operation not in (report.cause or "") and iam_action(case.site.service, operation) not in (report.cause or ""):
        return [f"outcome: the error does not name {operation}: {report.error}: {(report.cause or '')[:160]}"]
    return []


def dns_violations(cloud: LocalCloud) -> list[str]:
    """DNS changes that sent traffic to a region not ready, or not yet verified by the runbook, when submitted."""
    plan = cloud.plan
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
                broken.append(f"dns_safe: traffic sent to {region} at {change['submitted']:.0f}s; it was {world}")
            elif region != plan.regions.primary and verified.get(region, float("inf")) > change["submitted"]:
                broken.append(f"dns_safe: traffic sent to {region} before the runbook verified it")
    return broken


def _verified_at(cloud: LocalCloud) -> dict[str, float]:
    """When the runbook had seen both the target's writer and every endpoint serving at capacity (modelled
    seconds): the database polls that saw the writer, and each endpoint's scale or poll that saw it done."""
    database: dict[str, float] = {}
    endpoints: dict[str, dict[str, float]] = {}
    for invocation in cloud.runtime.invocations:
        result = invocation.result or {}
        if not result.get("done"):
            continue
        name = cloud.runtime.logical_id(invocation.function) or invocation.function
        if name in ("CheckDatabaseFunction", "PromoteDatabaseFunction"):
            database.setdefault(invocation.region, invocation.ended)
        elif name in ("CheckEndpointFunction", "ScaleEndpointFunction") and result.get("ref"):
            endpoints.setdefault(invocation.region, {}).setdefault(str(result["ref"]), invocation.ended)
    planned = {e.name for e in cloud.plan.inference.endpoints}
    return {
        region: max(at, *endpoints[region].values())
        for region, at in database.items()
        if set(endpoints.get(region, {})) >= planned
    }
