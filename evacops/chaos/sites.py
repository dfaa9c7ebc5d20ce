"""The fault matrix's call sites, recorded from clean runs, and its cases: each site with each fault kind, at its
first call and (where polled) at a later poll."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from evacops.chaos.policy import GLOBAL, best_effort
from evacops.drill.engine import run_drill
from evacops.localcloud.faults import Fault
from evacops.localcloud.fidelity import Latencies

if TYPE_CHECKING:
    from collections.abc import Iterable

    from evac.domain.plan import RecoveryPlan
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Call, FaultKind

SLOWER: Final = 30.0  # modelled seconds each dependency takes beyond what the plan expects, in the matrix
KINDS: Final[tuple[FaultKind, ...]] = ("throttling", "5xx", "access-denied", "timeout")
# The scenarios whose call sites the matrix covers: the unplanned failover, and what only a planned one calls.
BASE_SCENARIOS: Final = ("primary-outage", "planned-switchover")
# Calls that are not the runbook's: the trigger and its confirmation watch run before it (a fault there means the
# runbook does not start, or starts from another alarm's watch: no run to check these invariants on).
NOT_THE_RUNBOOK: Final = frozenset({"TriggerFunction", "ConfirmWatch", "ConfirmFunction"})
# What `make test` runs: one of each fault kind, across Lambda steps, polls and the state machine's integrations.
SUBSET: Final = (
    ("throttling", "first", "PromoteDatabaseFunction", "FailoverGlobalCluster", None),
    ("5xx", "poll", "CheckDatabaseFunction", "DescribeGlobalClusters", None),
    ("timeout", "first", "ScaleEndpointFunction", "RegisterScalableTarget", None),  # what scales the endpoint out
    ("throttling", "first", "FailoverRunbook", "Invoke", "ShiftDnsFunction"),
    ("5xx", "first", "FailoverRunbook", "PutItem", None),
    ("access-denied", "first", "ShiftDnsFunction", "ChangeResourceRecordSets", None),
)
Point = Literal["first", "poll"]


def chaos_latencies(plan: RecoveryPlan) -> Latencies:
    """The plan's expected latencies, plus enough that every poll loop polls at least twice (the first poll comes
    at the expected time after the step began)."""
    expected = plan.expectations
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


def record_sites(scenarios: Iterable[str] = BASE_SCENARIOS, *, plan: RecoveryPlan) -> list[Site]:
    """Play each scenario clean and return the runbook's call sites, per scenario (a site both scenarios reach is
    faulted in each: the same call can matter differently in a planned and an unplanned run); each must end as
    expected, or the matrix would measure a broken baseline."""
    sites: dict[tuple[str, str, str, str, str, str | None], Site] = {}
    for scenario in scenarios:
        calls: list[Call] = []

        def keep_calls(cloud: LocalCloud, _report: DrillReport, into: list[Call] = calls) -> None:
            into.extend(cloud.faults.calls)

        report = run_drill(scenario, plan=plan, latencies=chaos_latencies(plan), inspect=keep_calls)
        if not report.expected:
            failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
            raise RuntimeError(f"the clean {scenario} run did not end as expected: {failed}")
        for site in sites_of(scenario, calls, target_region=plan.regions.secondary):
            sites.setdefault((scenario, site.caller, site.service, site.operation, site.region, site.target), site)
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
        found.append(Site(scenario, caller, service, operation, region, target, len(made), poll_ordinal, target_region))
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
    by_key: dict[tuple[str, str, str, str, str | None], Case] = {}
    for c in all_cases:  # a site both scenarios reach: the first scenario's (primary-outage)
        by_key.setdefault((c.kind, c.point, c.site.caller, c.site.operation, c.site.target), c)
    return [by_key[key] for key in SUBSET if key in by_key]
