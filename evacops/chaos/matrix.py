"""The fault matrix run: every case played (one drill each, ``jobs`` processes at a time), every invariant
checked; its JSON (``evac chaos --json``) is an evac result (``"kind": "chaos"``)."""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, Final

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos.controls import ControlResult, controls, play_control
from evacops.chaos.invariants import Verdict, invariants
from evacops.chaos.readiness import READINESS, play_readiness, readiness_sites, readiness_verdict
from evacops.chaos.sites import (
    BASE_SCENARIOS,
    SUBSET_SCENARIOS,
    cases,
    chaos_latencies,
    matrix_drill,
    record_sites,
    subset,
)
from evacops.drill.engine import drill_plan
from evacops.journal import envelope
from evacops.localcloud.faults import iam_action
from evacops.localcloud.fork import forked, release

STATUSES: Final = ("SUCCEEDED", "FAILED", "ABORTED", "SKIPPED")  # how a scenario can end, as the totals count them
OUTCOMES: Final = ("clean", "escalated", "violated")  # what it left behind, as the invariants judge it
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path

    from evac.domain.plan import RecoveryPlan
    from evacops.chaos.sites import Case, Site
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud


@dataclass
class Result:
    id: str
    scenario: str  # the drill played, or "readiness" (a run of the readiness function alone)
    site: str
    caller: str
    action: str
    kind: str
    point: str
    expected: str  # how the run must end; a readiness case: what the report must answer (ready, not ready)
    status: str  # how it ended; a readiness case: SUCCEEDED when the function answered, FAILED when it failed
    error: str | None
    cause: str | None
    injected: int
    writer_regions: list[str]
    dns_region: str | None
    rto_seconds: float | None
    wall_seconds: float
    violations: list[str] = field(default_factory=list)
    outcome: str = "violated"  # clean | escalated | violated
    reason: str | None = None  # why it escalated, or its first violation
    group: str = "runbook"  # runbook | trigger | fallback | ramp | failure | readiness | after-effect
    fault: str = ""  # the kind, with +after-effect when the call took effect before its answer was lost

    @classmethod
    def of(cls, case: Case, verdict: Verdict, **played: Any) -> Result:
        """The result of ``case``: what it was, how its run ended (``played``: status to wall_seconds) and what the
        invariants found."""
        site = case.site
        return cls(
            id=case.id,
            scenario=site.scenario,
            site=site.name,
            caller=site.caller,
            action=iam_action(site.service, site.operation),
            kind=case.kind,
            point=case.point,
            group=case.group,
            fault=case.fault_label,
            expected=case.expected_status,
            violations=verdict.violations,
            outcome=verdict.outcome,
            reason=verdict.violations[0] if verdict.violations else verdict.escalation,
            **played,
        )


@dataclass
class Matrix:
    results: list[Result]
    sites: list[Site]
    wall_seconds: float
    controls: list[ControlResult] = field(default_factory=list)
    seed: int | None = None  # what drew the cases' latencies (chaos_latencies); None: the plan's expectations + SLOWER

    @property
    def uncaught(self) -> list[ControlResult]:
        """Negative controls the invariants missed: each one fails the matrix."""
        return [c for c in self.controls if not c.caught]

    @property
    def violations(self) -> int:
        return sum(len(r.violations) for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            **envelope("chaos"),
            "seed": self.seed,
            "scenarios": len(self.results),
            "violations": self.violations,
            "outcomes": {o: sum(r.outcome == o for r in self.results) for o in OUTCOMES},
            "escalated": [{"id": r.id, "reason": r.reason} for r in self.results if r.outcome == "escalated"],
            "by_fault": self.totals(),
            "by_group": group_totals(asdict(r) for r in self.results),
            "negative_controls": {
                "total": len(self.controls),
                "caught": sum(c.caught for c in self.controls),
                "controls": [asdict(c) for c in self.controls],
            },
            "sites": len(self.sites),
            "wall_seconds": round(self.wall_seconds, 1),
            "results": [asdict(r) for r in self.results],
        }

    def totals(self) -> dict[str, dict[str, int]]:
        """Per fault kind: scenarios, how they ended, and violations."""
        return fault_totals(asdict(r) for r in self.results)


def group_totals(results: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Per site group (runbook, trigger, fallback, ramp, failure, after-effect): scenarios and their outcomes."""
    found: dict[str, dict[str, int]] = {}
    for result in results:
        row = found.setdefault(result.get("group", "runbook"), {"scenarios": 0, **dict.fromkeys(OUTCOMES, 0)})
        row["scenarios"] += 1
        row[result.get("outcome", "violated")] += 1
    return found


def fault_totals(results: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Per fault (its kind, ``+after-effect`` apart): scenarios, how they ended (SKIPPED: no runbook started), and
    their outcomes and violations, from results as the matrix's JSON holds them."""
    found: dict[str, dict[str, int]] = {}
    for result in results:
        row = found.setdefault(
            result.get("fault") or result["kind"],
            {"scenarios": 0, **dict.fromkeys(STATUSES, 0), **dict.fromkeys(OUTCOMES, 0), "violations": 0},
        )
        row["scenarios"] += 1
        row[result["status"]] = row.get(result["status"], 0) + 1
        row[result.get("outcome", "violated")] += 1
        row["violations"] += len(result["violations"])
    return found


def run_case(case: Case, *, plan: RecoveryPlan, seed: int | None = None) -> Result:
    """Play the case's scenario with its fault, on the latencies ``seed`` draws (``chaos_latencies``), and check
    every invariant."""
    faults = case.faults  # the base fault, if any, then the case's own: the objects the cloud counts injections of
    fault = faults[-1]
    observed: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        observed["verdict"] = invariants(cloud, report, case, fault)
        observed["injected"] = len(cloud.faults.injected(fault))
        observed["writers"] = cloud.writer_regions()

    report = matrix_drill(case.site.scenario, plan=plan, seed=seed, faults=faults, inspect=inspect)
    verdict = observed.get("verdict") or Verdict(["the drill ended before its invariants were checked"])
    return Result.of(
        case,
        verdict,
        status=report.status,
        error=report.error,
        cause=(report.cause or "")[:300] or None,
        injected=int(observed.get("injected", 0)),
        writer_regions=list(observed.get("writers", [])),
        dns_region=report.dns_region,
        rto_seconds=report.rto_seconds,
        wall_seconds=report.wall_seconds,
    )


def run_readiness_case(case: Case, *, plan: RecoveryPlan, seed: int | None = None) -> Result:
    """Run the readiness function with the case's fault, on the latencies ``seed`` draws, and judge its answer
    (``evacops.chaos.readiness``)."""
    run = play_readiness(plan, latencies=chaos_latencies(plan, seed), faults=case.faults)
    return Result.of(
        case,
        readiness_verdict(run, case),
        status="FAILED" if run.ready is None else "SUCCEEDED",
        error=run.error,
        cause="; ".join(run.findings)[:300] or None,
        injected=run.injected,
        writer_regions=[],
        dns_region=None,
        rto_seconds=None,
        wall_seconds=run.wall_seconds,
    )


def fork_case(case: Case, *, plan: RecoveryPlan, seed: int | None = None) -> Result:
    """``run_case`` (``run_readiness_case`` for the readiness group) in a process forked from a cloud prepared once
    in this one (``evacops.localcloud.fork``): what differs between cases (the fault, the scenario's play) all
    happens after the set-up."""
    latencies = chaos_latencies(plan, seed)
    if case.site.group == "readiness":
        return forked(plan, latencies, run_readiness_case, case, plan=plan, seed=seed)
    return forked(drill_plan(case.site.scenario, plan), latencies, run_case, case, plan=plan, seed=seed)


class NoCaseSelectedError(ValueError):
    """A filter (``only``) that no case's id matches."""


def select(chosen: list[Case], only: Iterable[str] = ()) -> list[Case]:
    """The cases whose id (``scenario/site/fault@point``) contains any of ``only`` (case-sensitive); all when none.
    A filter that selects nothing is a mistake, not an empty matrix that passes: ``NoCaseSelectedError`` names it."""
    wanted = [text for text in only if text]
    if not wanted:
        return chosen
    if not (selected := [c for c in chosen if any(text in c.id for text in wanted)]):
        raise NoCaseSelectedError(f"no case's id contains {' or '.join(map(repr, wanted))}, of {len(chosen)} cases")
    return selected


def _chosen(
    plan: RecoveryPlan,
    *,
    only_subset: bool,
    only: Iterable[str],
    scenarios: Iterable[str] | None,
    seed: int | None,
    every_kind: bool,
) -> tuple[list[Site], list[Case]]:
    """The sites recorded for ``run_matrix`` and ``count_cases``, and the cases they play of them. Filters that each
    begin with a scenario's name (``readiness/``, ``planned-switchover/``) record only those scenarios."""
    filters = [text for text in only if text]
    named = {text.split("/", 1)[0] for text in filters if "/" in text}
    if not scenarios and filters and all("/" in text for text in filters) and named <= {READINESS, *BASE_SCENARIOS}:
        scenarios = sorted(named)
    wanted = list(scenarios or (SUBSET_SCENARIOS if only_subset else BASE_SCENARIOS))
    drills = [scenario for scenario in wanted if scenario != READINESS]
    sites = record_sites(drills, plan=plan, seed=seed, failure_path=not only_subset) if drills else []
    if READINESS in wanted or not scenarios:  # the readiness report's reads: played in runs of the function alone
        sites += readiness_sites(plan=plan, seed=seed)
    # The subset names its kinds site by site: it is chosen from every kind.
    chosen = subset(cases(sites, every_kind=True)) if only_subset else cases(sites, every_kind=every_kind, seed=seed)
    return sites, select(chosen, filters)


def run_matrix(
    *,
    only_subset: bool = False,
    only: Iterable[str] = (),
    scenarios: Iterable[str] | None = None,
    plan: RecoveryPlan | None = None,
    jobs: int = 1,
    with_controls: bool = True,
    on_result: Callable[[Result, int, int], None] | None = None,
    on_control: Callable[[ControlResult], None] | None = None,
    seed: int | None = None,
    every_kind: bool = False,
) -> Matrix:
    """Record the sites of ``scenarios``, then play every case (or the subset; of them, those ``only`` selects) and
    every negative control, ``jobs`` at a time (processes). ``seed`` draws the latencies the clean runs and the
    cases play on (``chaos_latencies``); the negative controls keep the default ones. ``every_kind``: throttling and
    a 5xx both, even where they are one fault (``sites.ALIKE_TRANSIENTS``)."""
    started = time.perf_counter()
    plan = plan or load_plan(DEFAULT_PLAN)
    sites, chosen = _chosen(
        plan, only_subset=only_subset, only=only, scenarios=scenarios, seed=seed, every_kind=every_kind
    )
    names = [c.name for c in controls(plan)] if with_controls else []
    results: list[Result] = []
    played: list[ControlResult] = []

    def done(outcome: Result | ControlResult) -> None:
        if isinstance(outcome, Result):
            results.append(outcome)
            if on_result:
                on_result(outcome, len(results), len(chosen))
        else:
            played.append(outcome)
            if on_control:
                on_control(outcome)

    # Worker processes, even for one job: each sets a cloud up once per plan and forks it for every case
    # (``fork_case``), which it can do only as a process with one thread.
    with ProcessPoolExecutor(max_workers=max(jobs, 1), mp_context=get_context("spawn")) as pool:
        futures: list[Future[Result] | Future[ControlResult]] = [
            pool.submit(fork_case, case, plan=plan, seed=seed) for case in chosen
        ]
        futures += [pool.submit(play_named, name, plan=plan) for name in names]
        for future in futures:
            done(future.result())
    wall = time.perf_counter() - started
    return Matrix(results=results, sites=sites, wall_seconds=wall, controls=played, seed=seed)


def count_cases(
    *,
    only_subset: bool = False,
    only: Iterable[str] = (),
    scenarios: Iterable[str] | None = None,
    plan: RecoveryPlan | None = None,
    seed: int | None = None,
    every_kind: bool = False,
) -> dict[str, Any]:
    """What ``run_matrix`` would play, without playing it: the sites (recorded from one clean run per scenario, on
    the latencies ``seed`` draws) and the cases per group and per fault; ``scenarios`` is the total."""
    plan = plan or load_plan(DEFAULT_PLAN)
    sites, chosen = _chosen(
        plan, only_subset=only_subset, only=only, scenarios=scenarios, seed=seed, every_kind=every_kind
    )
    by_group: dict[str, int] = {}
    by_fault: dict[str, int] = {}
    for case in chosen:
        by_group[case.group] = by_group.get(case.group, 0) + 1
        by_fault[case.fault_label] = by_fault.get(case.fault_label, 0) + 1
    sites_by_group: dict[str, int] = {}
    for site in sites:
        sites_by_group[site.group] = sites_by_group.get(site.group, 0) + 1
    return {
        **envelope("chaos"),
        "played": False,  # counted only: no case was played
        "seed": seed,
        "scenarios": len(chosen),
        "by_group": by_group,
        "by_fault": by_fault,
        "sites": len(sites),
        "sites_by_group": sites_by_group,
        "negative_controls": len(controls(plan)),
    }


def play_named(name: str, *, plan: RecoveryPlan) -> ControlResult:
    """Play the negative control called ``name`` (what a worker process is sent: a name, not a closure), on a cloud of
    its own (its runbook or watch variant is deployed there): the worker's prepared clouds are closed first."""
    release()
    return play_control(next(c for c in controls(plan) if c.name == name), plan=plan)


def write_json(matrix: Matrix, path: Path) -> None:
    path.write_text(json.dumps(matrix.to_json(), indent=2) + "\n", encoding="utf-8")
