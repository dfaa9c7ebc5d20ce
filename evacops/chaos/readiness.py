"""The scheduled readiness report's faults (the ``readiness`` group): each read the readiness function makes, faulted,
in one run of the function as its schedule runs it, not in a drill. Nothing in a runbook reads what the report
publishes (preflight reads readiness itself, and its reads are the runbook group's faults), so the matrix's drills
play without its schedule (``policy.PLAYED_APART``) and its faults are judged here, by what it answers.

Its invariant, ``fail_closed``: the report answers ready (``SecondaryReady`` 1) only if every read a critical check
needs answered. A fault at such a read leaves it not ready, or leaves no report at all (ReadinessAlarm treats missing
data as breaching); only a read no critical check needs (``policy.WARNING_READS``) may leave it ready, and then its
warning names what went unread. A report not ready where only a warning's read was faulted is a false alarm:
``outcome``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import boto3

from evacops.chaos.invariants import Verdict
from evacops.chaos.policy import NOT_READY, READY, readiness_expectation
from evacops.chaos.sites import chaos_latencies, sites_of
from evacops.cloud import local_cloud
from evacops.localcloud.faults import iam_action
from evacops.stack.readiness_function import FUNCTION, ReadinessUnavailableError, invoke

if TYPE_CHECKING:
    from collections.abc import Sequence

    from evac.domain.plan import RecoveryPlan
    from evacops.chaos.sites import Case, Site
    from evacops.localcloud.faults import Call, Fault
    from evacops.localcloud.fidelity import Latencies

READINESS: Final = "readiness"  # what the group's case ids begin with, where the others name their scenario


@dataclass
class ReadinessRun:
    """One run of the secondary stack's readiness function: what it answered, and every call it made."""

    ready: bool | None  # None: no report (the function failed; the alarm reads missing data)
    error: str | None  # the function's error, when it failed
    findings: list[str]  # each check that did not pass: ``name (severity) status: evidence``
    calls: list[Call] = field(default_factory=list)
    injected: int = 0  # how many calls the last fault met
    wall_seconds: float = 0.0


def play_readiness(
    plan: RecoveryPlan, *, latencies: Latencies | None = None, faults: Sequence[Fault] = ()
) -> ReadinessRun:
    """Invoke the readiness function of the secondary's stack (the one a primary outage leaves running) on a local
    cloud of ``plan``, seeded ready, with ``faults`` injected, as its schedule does: no target given, so it assesses
    the region a failover would promote now."""
    started = time.perf_counter()
    with local_cloud(plan, latencies=latencies) as cloud:
        for fault in faults:
            cloud.faults.inject(fault)
        region = plan.regions.secondary
        try:
            report = invoke(boto3.client("lambda", region), cloud.stacks[region].function_arns[FUNCTION])
        except ReadinessUnavailableError as exc:
            run = ReadinessRun(None, str(exc), [])
        else:
            findings = [f"{c.name} ({c.severity}) {c.status}: {c.evidence}" for c in report.findings]
            run = ReadinessRun(report.ready, None, findings)
        run.calls = [c for c in cloud.faults.calls if c.caller == FUNCTION]
        run.injected = len(cloud.faults.injected(faults[-1])) if faults else 0
    run.wall_seconds = round(time.perf_counter() - started, 2)
    return run


def readiness_sites(*, plan: RecoveryPlan, seed: int | None = None) -> list[Site]:
    """The readiness function's call sites, from one clean run (on ``chaos_latencies(plan, seed)``): it must answer
    ready with no finding, or the group would measure a broken baseline."""
    run = play_readiness(plan, latencies=chaos_latencies(plan, seed))
    if run.ready is not True or run.findings:
        raise RuntimeError(f"the clean readiness run did not answer ready: {run.error or run.findings}")
    regions = plan.regions
    return sites_of(
        READINESS, run.calls, target_region=regions.secondary, source_region=regions.primary, grouped_as="readiness"
    )


def readiness_verdict(run: ReadinessRun, case: Case) -> Verdict:
    """``exercised``, ``fail_closed`` and ``outcome`` of one readiness case (see the module's docstring)."""
    site, verdict = case.site, Verdict()
    if not run.injected:
        verdict.violations.append("exercised: the fault was never injected")
    expected = readiness_expectation(site)
    if expected == NOT_READY and run.ready:
        verdict.violations.append(f"fail_closed: answered ready with {site.operation} unanswered ({case.kind})")
    elif expected == READY and not run.ready:
        verdict.violations.append(
            f"outcome: not ready with only a warning's read faulted ({site.operation}): {run.error or run.findings}"
        )
    elif case.kind == "access-denied" and not _names(run, site):  # as the runbook's errors name a refused call
        verdict.violations.append(f"outcome: nothing names the refused {site.operation}: {run.findings}")
    return verdict


def _names(run: ReadinessRun, site: Site) -> bool:
    """Whether the report (a finding) or the function's error names the call."""
    action = iam_action(site.service, site.operation)
    return any(site.operation in text or action in text for text in [run.error or "", *run.findings])
