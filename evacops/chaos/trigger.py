"""The matrix's judgement of what the trigger and its confirmation watch started, from ground truth (the runbook
executions in both regions, the local cloud's record of every call and invocation, the topic's messages):

- ``one_runbook``: no more runbooks than the scenario starts (one incident, one runbook; never two);
- ``evidence``: no runbook started on evidence nobody could read. The watch invocation that decided to start must
  have read a quorum of the failing region's alarms from regions that answered (an alarm in the failing region that
  stayed silent counts only with an alarm outside it read: outside-in agreement), and every region holding one of the
  target's own alarms must have answered (a refused read there is a blind target; silence is allowed only from the
  failing region itself);
- ``outcome`` of a trigger-group case: it started exactly one runbook, or (a permanent fault the policy says holds
  back) none, and people were told: a message on the topic, or the alarm event's own failure, which the trigger's
  on-failure destination keeps and alarms on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from evacops.chaos.policy import HELD_BACK

if TYPE_CHECKING:
    from evacops.chaos.sites import Case
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Call

# Faults that leave the caller without any answer (as a dark region does): silence, not a refusal.
SILENT: Final = frozenset({"timeout", "connection", "blackout"})
# What the watch and the trigger publish when a failover does not go ahead (confirm.asl.json's messages).
TOLD: Final = ("held back", "did not start", "could not confirm")


def one_runbook(cloud: LocalCloud, allowed: int) -> list[str]:
    """``one_runbook``: at most ``allowed`` runbook executions across both regions."""
    started = [e["name"] for region in cloud.plan.regions.both for e in cloud.truth.executions(region)]
    return [] if len(started) <= allowed else [f"one_runbook: {len(started)} runbooks started: {started}"]


def evidence(cloud: LocalCloud) -> list[str]:
    """``evidence``: each watch decision to start, judged by what its invocation could really read."""
    broken = []
    for invocation in cloud.runtime.invocations:
        if cloud.runtime.logical_id(invocation.function) != "ConfirmFunction" or invocation.number is None:
            continue
        if (invocation.result or {}).get("action") != "start":
            continue
        made = [c for c in cloud.faults.calls if c.invocation == invocation.number]
        if why := _unread_evidence(cloud, made):
            broken.append(f"evidence: a runbook started at {invocation.ended:.0f}s on {why}")
    return broken


def _unread_evidence(cloud: LocalCloud, made: list[Call]) -> str | None:
    plan = cloud.plan
    source, target = plan.regions.primary, plan.regions.secondary
    reads = [c for c in made if c.service == "cloudwatch" and c.operation == "DescribeAlarms"]
    refused = {c.region for c in reads if c.fault and c.fault not in SILENT}
    silent = {c.region for c in reads if c.fault in SILENT}
    answered = {c.region for c in reads} - refused - silent
    watching = plan.watching(source)
    outside = any(a.region in answered and a.region != source for a in watching)
    counted = [a for a in watching if a.region in answered or (a.region in silent and a.region == source and outside)]
    if len(counted) < plan.trigger.quorum:
        unread = f"refused in {sorted(refused)}, silent in {sorted(silent)}"
        return f"{len(counted)} of {plan.trigger.quorum} alarm(s) on {source} read ({unread})"
    unseen = refused | (silent - {source})  # silence from the failing region itself is expected
    blind = sorted({a.region for a in plan.watching(target) if a.region in unseen})
    return f"the target's own alarms unread in {blind}" if blind else None


def trigger_outcome(cloud: LocalCloud, report: DrillReport, case: Case) -> list[str]:
    """``outcome`` of a trigger-group case: one runbook that ended as expected, or none and people told."""
    started = report.executions
    if case.expected_status != HELD_BACK:
        if started != 1 or report.status != case.expected_status:
            ended = f"{report.status} ({report.error})"
            return [f"outcome: {started} runbook(s), {ended}, expected one, {case.expected_status}"]
        return []
    if started:
        return [f"outcome: {started} runbook(s) started despite {case.fault_label} on {case.site.name}"]
    messages = cloud.truth.notifications(cloud.plan.regions.secondary)
    told = [m for m in messages if any(t in m for t in TOLD)]
    failed_events = [d for d in cloud.alarms.deliveries if "errorType" in (d.response or {})]
    if told or (case.site.caller == "TriggerFunction" and failed_events):
        return []
    return [f"outcome: no runbook and nobody told (messages: {[m[:80] for m in messages]})"]
