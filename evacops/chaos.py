"""The fault matrix: every AWS call site of the runbook, each fault, the drill run again, invariants checked.

The call sites are not a hand-written list: a clean run of each base scenario on the local cloud records every API
call the runbook makes (its functions' calls and the state machine's own integrations), and each distinct
``(caller, service, operation, region, target)`` is a site. For each site and each fault kind (throttling, a 5xx,
AccessDenied, a timeout) the fault is injected at the site's first call and, where the site is polled (called in
more than one invocation of a poll loop), at its second poll; the scenario is played again and its end state is
checked against the invariants:

- ``one_writer``: exactly one writer region at the end;
- ``dns_safe``: no DNS change ever sent traffic to a region that was not, at that moment, the writer and serving
  at capacity (the local cloud's ground truth) and whose writer and inference the runbook had verified;
- ``lock_released``, ``run_record``, ``notified``: the evidence of every run;
- ``outcome``: a transient fault still ends SUCCEEDED; a permanent one (AccessDenied) ends FAILED with an error
  whose message names the operation - unless the site is best-effort (``BEST_EFFORT``), where the run succeeds and
  its record names the operation that failed;
- ``exercised``: the fault was injected at least once (a scenario that injected nothing proves nothing).

Where the permanent fault takes away the very means of one piece of evidence (the ledger write, the notification,
the lock release), that invariant cannot hold and is replaced by the others carrying the news (``EXEMPT``).

Drills run at a high local-cloud speed on latencies a little longer than the plan expects, so every poll loop polls
more than once: outcomes, not timings, are what the matrix checks.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, Final, Literal

from evac.aws.dynamodb import Ledger
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill import run_drill
from evacops.localcloud.faults import Fault, iam_action
from evacops.localcloud.fidelity import Latencies

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from evacops.drill import DrillReport
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Call, FaultKind

CHAOS_SPEED: Final = 300.0
SLOWER: Final = 30.0  # modelled seconds each dependency takes beyond what the plan expects, in the matrix
KINDS: Final[tuple[FaultKind, ...]] = ("throttling", "5xx", "access-denied", "timeout")
# The scenarios whose call sites the matrix covers: the unplanned failover, and what only a planned one calls.
BASE_SCENARIOS: Final = ("primary-outage", "planned-switchover")
# Calls that are not the runbook's: the trigger and its confirmation watch run before it (a fault there means the
# runbook does not start, or starts from another alarm's watch: no run to check these invariants on).
NOT_THE_RUNBOOK: Final = frozenset({"TriggerFunction", "ConfirmWatch", "ConfirmFunction"})
# Calls the runbook can do without: a permanent fault there does not fail the run; it ends as said, and its record
# names the call in its warnings. (Transient faults there still end SUCCEEDED, like everywhere.)
BEST_EFFORT: Final[dict[tuple[str, str, str, str | None], tuple[str, str]]] = {
    ("PlanFunction", "cloudwatch", "GetMetricStatistics", None): (
        "ABORTED",
        "RPO unknown: an unplanned run then waits for a person's approval (the plan's policy); none comes here",
    ),
    ("PlanFunction", "rds", "DescribeDBClusters", None): (
        "SUCCEEDED",
        "the planned run's probe of the primary: a refusal is an answer (switchover), noted",
    ),
    ("StandbyFunction", "*", "*", None): (
        "SUCCEEDED",
        "after a planned move: the old region stays at full capacity, noted",
    ),
    ("FailoverRunbook", "lambda", "Invoke", "StandbyFunction"): (
        "SUCCEEDED",
        "the same, when the standby step cannot be invoked",
    ),
}
# Preflight's own checks of the target (cluster, endpoints, record): required. Its other calls are readiness's reads
# of the target and the primary: a check it cannot read is "unknown", recorded, and never blocks a run.
PREFLIGHT_CHECKS: Final = frozenset(
    {
        ("rds", "DescribeDBClusters"),
        ("sagemaker", "ListEndpoints"),
        ("route53", "ListHostedZonesByName"),
        ("route53", "ListResourceRecordSets"),
    }
)
READINESS_READ: Final = ("SUCCEEDED", "a readiness read: an unreadable check is unknown, recorded, never blocking")
# Permanent faults that take away one piece of evidence: (caller, service, operation, target) -> the invariant
# excused; the others must carry the news.
EXEMPT: Final = {
    ("RecordFunction", "dynamodb", "PutItem", None): "run_record",
    ("FailoverRunbook", "lambda", "Invoke", "RecordFunction"): "run_record",
    ("FailoverRunbook", "sns", "Publish", None): "notified",
    ("FailoverRunbook", "dynamodb", "DeleteItem", None): "lock_released",
}
# What `make test` runs: one of each fault kind, across Lambda steps, polls and the state machine's integrations.
SUBSET: Final = (
    ("throttling", "first", "PromoteDatabaseFunction", "FailoverGlobalCluster", None),
    ("5xx", "poll", "CheckDatabaseFunction", "DescribeGlobalClusters", None),
    ("timeout", "first", "ScaleEndpointFunction", "UpdateEndpointWeightsAndCapacities", None),
    ("throttling", "first", "FailoverRunbook", "Invoke", "ShiftDnsFunction"),
    ("5xx", "first", "FailoverRunbook", "PutItem", None),
    ("access-denied", "first", "ShiftDnsFunction", "ChangeResourceRecordSets", None),
)
Point = Literal["first", "poll"]
GLOBAL: Final = "aws-global"  # the region botocore gives a global endpoint's client (Route 53)


def best_effort(site: Site) -> tuple[str, str] | None:
    """(expected status, why) if the site is one the runbook can do without."""
    if site.caller == "PreflightFunction":
        own_check = (site.service, site.operation) in PREFLIGHT_CHECKS and site.region in (site.target_region, GLOBAL)
        return None if own_check else READINESS_READ
    return BEST_EFFORT.get(site.key) or BEST_EFFORT.get((site.caller, "*", "*", None))


def chaos_latencies(plan_path: str | Path = DEFAULT_PLAN) -> Latencies:
    """The plan's expected latencies, plus enough that every poll loop polls at least twice (the first poll comes
    at the expected time after the step began; a busy machine's compute, played at high speed, can delay the step's
    own call by several modelled seconds)."""
    expected = load_plan(plan_path).expectations
    return Latencies(
        aurora_failover=expected.database_promotion_seconds + SLOWER,
        aurora_switchover=expected.database_promotion_seconds + SLOWER,
        endpoint_scale_up=expected.endpoint_scale_up_seconds + SLOWER,
        dns_propagation=expected.dns_propagation_seconds + SLOWER,
    )


@dataclass(frozen=True)
class Site:
    """Where the runbook calls AWS: a caller, an API, a region (and, for Lambda Invoke, which function)."""

    scenario: str
    caller: str
    service: str
    operation: str
    region: str
    target: str | None
    calls: int  # in the clean run
    poll_ordinal: int | None  # the ordinal of its first call in the second invocation of a poll loop, if polled
    target_region: str = ""  # the region the scenario's runbook promotes

    @property
    def name(self) -> str:
        what = f"{self.operation}:{self.target}" if self.target else self.operation
        where = "" if self.region in (self.target_region, GLOBAL) else f" @{self.region}"
        return f"{self.caller} -> {self.service}:{what}{where}"

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        return (self.caller, self.service, self.operation, self.target)


@dataclass(frozen=True)
class Case:
    site: Site
    kind: FaultKind
    point: Point

    @property
    def id(self) -> str:
        return f"{self.site.scenario}/{self.site.name}/{self.kind}@{self.point}"

    @property
    def fault(self) -> Fault:
        ordinal = 1 if self.point == "first" else (self.site.poll_ordinal or 1)
        return Fault(
            self.kind,
            service=self.site.service,
            operation=self.site.operation,
            region=self.site.region,
            caller=self.site.caller,
            target=self.site.target,
            first=ordinal,
            calls=None if self.kind == "access-denied" else 1,  # a missing permission does not come back
        )

    @property
    def expected_status(self) -> str:
        if self.kind != "access-denied":
            return "SUCCEEDED"
        degraded = best_effort(self.site)
        return degraded[0] if degraded else "FAILED"


@dataclass
class Result:
    id: str
    scenario: str
    site: str
    caller: str
    action: str
    kind: str
    point: str
    expected: str
    status: str
    error: str | None
    cause: str | None
    injected: int
    writer_regions: list[str]
    dns_region: str | None
    rto_seconds: float | None
    wall_seconds: float
    violations: list[str] = field(default_factory=list)


@dataclass
class Matrix:
    results: list[Result]
    sites: list[Site]
    wall_seconds: float

    @property
    def violations(self) -> int:
        return sum(len(r.violations) for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenarios": len(self.results),
            "violations": self.violations,
            "sites": len(self.sites),
            "wall_seconds": round(self.wall_seconds, 1),
            "results": [asdict(r) for r in self.results],
        }

    def totals(self) -> dict[str, dict[str, int]]:
        """Per fault kind: scenarios, how they ended, and violations."""
        found: dict[str, dict[str, int]] = {}
        for result in self.results:
            row = found.setdefault(
                result.kind, {"scenarios": 0, "SUCCEEDED": 0, "FAILED": 0, "ABORTED": 0, "violations": 0}
            )
            row["scenarios"] += 1
            row[result.status] = row.get(result.status, 0) + 1
            row["violations"] += len(result.violations)
        return found


# --- enumeration -----------------------------------------------------------------------------------------------------
def record_sites(
    scenarios: Iterable[str] = BASE_SCENARIOS, *, plan_path: str | Path = DEFAULT_PLAN, speed: float = CHAOS_SPEED
) -> list[Site]:
    """Play each scenario clean and return the runbook's call sites (a site seen in an earlier scenario is kept
    there); each must end as expected, or the matrix would measure a broken baseline."""
    sites: dict[tuple[str, str, str, str, str | None], Site] = {}
    for scenario in scenarios:
        calls: list[Call] = []

        def keep_calls(cloud: LocalCloud, _report: DrillReport, into: list[Call] = calls) -> None:
            into.extend(cloud.faults.calls)

        report = run_drill(
            scenario, plan_path=plan_path, speed=speed, latencies=chaos_latencies(plan_path), inspect=keep_calls
        )
        if not report.expected:
            failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
            raise RuntimeError(f"the clean {scenario} run did not end as expected: {failed}")
        for site in sites_of(scenario, calls, target_region=load_plan(plan_path).regions.secondary):
            sites.setdefault((site.caller, site.service, site.operation, site.region, site.target), site)
    return list(sites.values())


def sites_of(scenario: str, calls: list[Call], *, target_region: str = "") -> list[Site]:
    """The distinct call sites of the runbook in one run's calls, in the order first seen."""
    grouped: dict[tuple[str, str, str, str, str | None], list[Call]] = {}
    for call in calls:
        if call.caller in NOT_THE_RUNBOOK:
            continue
        grouped.setdefault((call.caller, call.service, call.operation, call.region, call.target), []).append(call)
    found = []
    for (caller, service, operation, region, target), made in grouped.items():
        # A poll loop calls again in a later invocation; the state machine's own calls are one each.
        rounds = [c.seq if c.invocation is None else c.invocation for c in made]
        distinct = list(dict.fromkeys(rounds))
        poll_ordinal = rounds.index(distinct[1]) + 1 if len(distinct) > 1 and _polls(caller, target) else None
        found.append(
            Site(scenario, caller, service, operation, region, target, len(made), poll_ordinal, target_region)
        )
    return found


def _polls(caller: str, target: str | None) -> bool:
    """Check* functions are the runbook's poll loops (ASL: Wait -> Check -> Choice); so are their invocations."""
    return (target or caller).startswith("Check")


def cases(sites: Iterable[Site], kinds: Iterable[FaultKind] = KINDS) -> list[Case]:
    found = []
    for site in sites:
        for kind in kinds:
            found.append(Case(site, kind, "first"))
            if site.poll_ordinal:
                found.append(Case(site, kind, "poll"))
    return found


def subset(all_cases: Iterable[Case]) -> list[Case]:
    """The representative few of ``SUBSET``, in its order."""
    by_key = {(c.kind, c.point, c.site.caller, c.site.operation, c.site.target): c for c in all_cases}
    return [by_key[key] for key in SUBSET if key in by_key]


# --- one scenario -----------------------------------------------------------------------------------------------------
def run_case(case: Case, *, plan_path: str | Path = DEFAULT_PLAN, speed: float = CHAOS_SPEED) -> Result:
    """Play the case's scenario with its fault and check every invariant."""
    fault = case.fault
    observed: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        observed["violations"] = invariants(cloud, report, case, fault)
        observed["injected"] = len(cloud.faults.injected(fault))
        observed["writers"] = cloud.writer_regions()

    report = run_drill(
        case.site.scenario,
        plan_path=plan_path,
        speed=speed,
        latencies=chaos_latencies(plan_path),
        faults=[fault],
        inspect=inspect,
    )
    violations = list(observed.get("violations", ["the drill ended before its invariants were checked"]))
    return Result(
        id=case.id,
        scenario=case.site.scenario,
        site=case.site.name,
        caller=case.site.caller,
        action=iam_action(case.site.service, case.site.operation),
        kind=case.kind,
        point=case.point,
        expected=case.expected_status,
        status=report.status,
        error=report.error,
        cause=(report.cause or "")[:300] or None,
        injected=int(observed.get("injected", 0)),
        writer_regions=list(observed.get("writers", [])),
        dns_region=report.dns_region,
        rto_seconds=report.rto_seconds,
        wall_seconds=report.wall_seconds,
        violations=violations,
    )


def invariants(cloud: LocalCloud, report: DrillReport, case: Case, fault: Fault) -> list[str]:
    """Every invariant the run broke, each as one line naming it."""
    broken = []
    writers = cloud.writer_regions()
    if len(writers) != 1:
        broken.append(f"one_writer: writers {writers}")
    broken += dns_violations(cloud)
    target = cloud.plan.regions.secondary
    incident = report.incident_id
    ledger = Ledger(cloud.stacks[target].table, target)
    exempt = EXEMPT.get(case.site.key) if case.kind == "access-denied" else None
    holder = ledger.lock_holder(cloud.plan.application)
    if holder is not None and exempt != "lock_released":
        broken.append(f"lock_released: held by {holder}")
    record = ledger.get(incident) if incident else None
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


# --- the matrix ------------------------------------------------------------------------------------------------------
def run_matrix(
    *,
    only_subset: bool = False,
    scenarios: Iterable[str] = BASE_SCENARIOS,
    plan_path: str | Path = DEFAULT_PLAN,
    speed: float = CHAOS_SPEED,
    jobs: int = 1,
    on_result: Callable[[Result, int, int], None] | None = None,
) -> Matrix:
    """Record the sites of ``scenarios``, then play every case (or the subset), ``jobs`` at a time (processes)."""
    started = time.perf_counter()
    sites = record_sites(scenarios, plan_path=plan_path, speed=speed)
    chosen = cases(sites)
    if only_subset:
        chosen = subset(chosen)
    results: list[Result] = []
    if jobs <= 1:
        for case in chosen:
            results.append(run_case(case, plan_path=plan_path, speed=speed))
            if on_result:
                on_result(results[-1], len(results), len(chosen))
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_case, case, plan_path=plan_path, speed=speed) for case in chosen]
            for future in futures:
                results.append(future.result())
                if on_result:
                    on_result(results[-1], len(results), len(chosen))
    return Matrix(results=results, sites=sites, wall_seconds=time.perf_counter() - started)


def write_json(matrix: Matrix, path: Path) -> None:
    path.write_text(json.dumps(matrix.to_json(), indent=2) + "\n", encoding="utf-8")
