"""The fault matrix's call sites, recorded from clean runs, and its cases: each site with each fault kind, at its
first call and (where polled) at a later poll, and each call that changes something with its answer lost after it
took effect.

Sites come in groups, each recorded from the scenario that reaches it (``SCENARIO_SITES``): the runbook's own calls
(``runbook``: primary-outage and planned-switchover, a site both reach faulted in each), the trigger and its
confirmation watch before it (``trigger``: primary-outage, the run an alarm starts), the capacity fallback
(``fallback``: capacity-fallback's endpoint steps), the follow-capacity ramp (``ramp``: traffic-follows-capacity's
DNS and capacity steps), a failed run's failure path (``failure``: the record, the notification and the lock
release of a primary outage that fails before it changes anything; a clean run never takes that path) and the
scheduled readiness report (``readiness``: its reads, recorded and played in runs of the function alone, not in
drills: ``evacops.chaos.readiness``)."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, Literal

from evacops.chaos.policy import GLOBAL, PLAYED_APART, best_effort, readiness_expectation, trigger_expectation
from evacops.drill.engine import run_drill
from evacops.localcloud.faults import Fault, parse_fault
from evacops.localcloud.fidelity import Latencies

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from evac.domain.plan import RecoveryPlan
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud
    from evacops.localcloud.faults import Call, FaultKind

SLOWER: Final = 30.0  # modelled seconds each dependency takes beyond what the plan expects, in the matrix
KINDS: Final[tuple[FaultKind, ...]] = ("throttling", "5xx", "access-denied", "timeout")
# Throttling and a 5xx at a Lambda function's call are one fault to evac: botocore's standard retry mode retries both
# alike, and what outlasts its attempts evac's adapters read as one (``evac.aws.errors.translate``: AwsTransientError,
# which the runbook's Retry retries). The default matrix plays one of the two at each such site, half the sites each
# (``skipped_transient``); ``every_kind`` plays both. Both wherever they differ: a state machine's own integrations
# (its Retry and Catch name each service's errors) and the probers (a 5xx is a failed probe, throttling an unknown
# one: ``evac.aws.probes``).
ALIKE_TRANSIENTS: Final[tuple[FaultKind, FaultKind]] = ("throttling", "5xx")
STATE_MACHINES: Final = frozenset({"FailoverRunbook", "ConfirmWatch"})
READS_EACH_TRANSIENT: Final = frozenset({"ProbeFunction"})
# After effect: the call takes effect, then its answer is lost (an error answer, or none at all, after the change).
AFTER_EFFECT_KINDS: Final[tuple[FaultKind, ...]] = ("5xx", "timeout")
Group = Literal["runbook", "trigger", "fallback", "ramp", "failure", "readiness"]
GROUPS: Final[tuple[Group, ...]] = ("runbook", "trigger", "fallback", "ramp", "failure", "readiness")
# The trigger and its confirmation watch: they run before the runbook and decide whether it starts at all.
TRIGGER_CALLERS: Final = frozenset({"TriggerFunction", "ConfirmWatch", "ConfirmFunction"})
# Which scenario's clean run each group's sites are recorded from, and which of its callers (a function's logical id,
# or the runbook's Lambda Invoke of it) belong to the group; None: every runbook caller.
SCENARIO_SITES: Final[tuple[tuple[str, Group, frozenset[str] | None], ...]] = (
    ("primary-outage", "runbook", None),
    ("planned-switchover", "runbook", None),
    ("primary-outage", "trigger", TRIGGER_CALLERS),
    # the rollback seen, the next instance type's endpoint configuration, UpdateEndpoint, the scalable target again
    ("capacity-fallback", "fallback", frozenset({"CheckEndpointFunction"})),
    # traffic moved in steps as capacity comes into service: each step a ShiftDns, CheckDns and a capacity poll
    ("traffic-follows-capacity", "ramp", frozenset({"ShiftDnsFunction", "CheckDnsFunction", "CheckEndpointFunction"})),
)
# The failure path (RecordFailure's record, NotifyFailure's message, ReleaseLockAfterFailure's delete), recorded from
# a primary outage played with FAILED_RUN: it fails before it changes anything (preflight may not read the target's
# cluster), so each case is that fault and then the case's own, on one call of the failure path.
FAILED_RUN: Final = "PreflightFunction/rds:DescribeDBClusters:access-denied"
FAILED_SITES_SCENARIO: Final = "primary-outage"
FAILURE_PATH: Final = frozenset(
    {
        ("FailoverRunbook", "lambda", "Invoke", "RecordFunction"),
        ("RecordFunction", "dynamodb", "PutItem", None),
        ("FailoverRunbook", "sns", "Publish", None),
        ("FailoverRunbook", "dynamodb", "DeleteItem", None),
    }
)
# The scenarios whose call sites the matrix covers, in the order recorded.
BASE_SCENARIOS: Final = tuple(dict.fromkeys(scenario for scenario, _, _ in SCENARIO_SITES))
# Operations that only read: a fault after effect is no different from one before it there.
READS: Final = re.compile(r"^(Describe|Get|List|Head|Query|Scan|Test|BatchGet)")
# What `make test` runs: one of each fault kind, across Lambda steps, polls and the state machine's integrations, the
# watch, a step that ran with its answer lost, and a critical read of the readiness report.
SUBSET: Final = (
    ("throttling", "first", "PromoteDatabaseFunction", "FailoverGlobalCluster", None),
    ("5xx", "poll", "CheckDatabaseFunction", "DescribeGlobalClusters", None),
    ("timeout", "first", "ScaleEndpointFunction", "RegisterScalableTarget", None),  # what scales the endpoint out
    ("throttling", "first", "FailoverRunbook", "Invoke", "ShiftDnsFunction"),
    ("5xx", "first", "FailoverRunbook", "PutItem", None),
    ("access-denied", "first", "ShiftDnsFunction", "ChangeResourceRecordSets", None),
    ("throttling", "first", "ConfirmFunction", "DescribeAlarms", None),  # the watch: another alarm's starts the run
    ("5xx+after-effect", "first", "FailoverRunbook", "Invoke", "PromoteDatabaseFunction"),  # ran, its answer lost
    ("access-denied", "first", "ReadinessFunction", "DescribeEndpoint", None),  # the readiness report fails closed
)
SUBSET_SCENARIOS: Final = ("primary-outage",)  # where every SUBSET site is recorded
Point = Literal["first", "poll"]


def chaos_latencies(plan: RecoveryPlan, seed: int | None = None) -> Latencies:
    """What the matrix's drills play on. Without a seed: the plan's expected latencies, plus enough that every poll
    loop polls at least twice (the first poll comes at the expected time after the step began). With one: the
    dependencies drawn for that seed (``Latencies.drawn``, as ``evac drill --seed`` draws them), the matrix replayed
    on another draw; its call sites are recorded on the same draw, so a poll case exists where that draw polls."""
    if seed is not None:
        return Latencies().drawn(seed)
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
    group: Group = "runbook"
    source_region: str = ""  # the region it fails over from
    base: str = ""  # a fault the scenario is played with before the case's own (FAILED_RUN for the failure path)

    @property
    def name(self) -> str:
        what = f"{self.operation}:{self.target}" if self.target else self.operation
        where = "" if self.region in (self.target_region, GLOBAL) else f" @{self.region}"
        after = " (failure path)" if self.group == "failure" else ""
        return f"{self.caller} -> {self.service}:{what}{where}{after}"

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        return (self.caller, self.service, self.operation, self.target)

    @property
    def changes(self) -> bool:
        """Whether the call changes something (a Lambda Invoke runs the function): worth a fault after effect."""
        return not READS.match(self.operation)


@dataclass(frozen=True)
class Case:
    site: Site
    kind: FaultKind
    point: Point
    after_effect: bool = False  # the call takes effect, then its answer is lost

    @property
    def fault_label(self) -> str:
        """The fault as the matrix counts it: its kind, ``+after-effect`` when the call took effect first."""
        return f"{self.kind}+after-effect" if self.after_effect else self.kind

    @property
    def group(self) -> str:
        """The site's group, or ``after-effect``: how the matrix's cases are counted."""
        return "after-effect" if self.after_effect else self.site.group

    @property
    def id(self) -> str:
        return f"{self.site.scenario}/{self.site.name}/{self.fault_label}@{self.point}"

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
            after_effect=self.after_effect,
        )

    @property
    def faults(self) -> list[Fault]:
        """What the case's drill is played with: the site's base fault, if any, then the case's own."""
        return [parse_fault(self.site.base), self.fault] if self.site.base else [self.fault]

    @property
    def expected_status(self) -> str:
        """How the run must end: a transient fault (or one after effect) is retried to SUCCEEDED; a permanent one
        ends FAILED, or as its site's policy says (best-effort sites, the trigger's and watch's). A failure path's
        run fails whatever: its base fault failed it. A readiness case expects an answer, ready or not ready."""
        if self.site.group == "readiness":
            return readiness_expectation(self.site)
        if self.site.group == "failure":
            return "FAILED"
        if watched := trigger_expectation(self.site, permanent=self.kind == "access-denied"):
            return watched[0]
        if self.kind != "access-denied":
            return "SUCCEEDED"
        degraded = best_effort(self.site)
        return degraded[0] if degraded else "FAILED"


def record_sites(
    scenarios: Iterable[str] = BASE_SCENARIOS,
    *,
    plan: RecoveryPlan,
    seed: int | None = None,
    failure_path: bool = True,
) -> list[Site]:
    """Play each scenario clean (on ``chaos_latencies(plan, seed)``) and return its groups' call sites
    (``SCENARIO_SITES``), per scenario: a site two scenarios reach is faulted in each, as the same call can matter
    differently in a planned and an unplanned run. Each clean run must end as expected, or the matrix would measure
    a broken baseline. With ``failure_path`` (and primary-outage among them), the failure path's sites too
    (``failure_sites``)."""
    sites: dict[tuple[str, str, str, str, str, str | None], Site] = {}
    scenarios = list(dict.fromkeys(scenarios))
    for scenario in scenarios:
        report, calls = _played(scenario, plan=plan, seed=seed)
        if not report.expected:
            failed = [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
            raise RuntimeError(f"the clean {scenario} run did not end as expected: {failed}")
        for site in sites_of(scenario, calls, target_region=plan.regions.secondary, source_region=plan.regions.primary):
            sites.setdefault((scenario, site.caller, site.service, site.operation, site.region, site.target), site)
    found = list(sites.values())
    if failure_path and FAILED_SITES_SCENARIO in scenarios:
        found += failure_sites(plan=plan, seed=seed)
    return found


def failure_sites(*, plan: RecoveryPlan, seed: int | None = None) -> list[Site]:
    """The failure path's call sites (``FAILURE_PATH``): a primary outage played with ``FAILED_RUN`` must fail
    naming it and take every call of that path, or the group would measure a broken baseline."""
    base = parse_fault(FAILED_RUN)
    report, calls = _played(FAILED_SITES_SCENARIO, plan=plan, seed=seed, faults=[base])
    taken = [c for c in calls if (c.caller, c.service, c.operation, c.target) in FAILURE_PATH]
    missing = FAILURE_PATH - {(c.caller, c.service, c.operation, c.target) for c in taken}
    if report.status != "FAILED" or (base.operation or FAILED_RUN) not in (report.cause or "") or missing:
        raise RuntimeError(
            f"the {FAILED_SITES_SCENARIO} run with {FAILED_RUN} did not fail as expected: {report.status}"
            f" ({report.error}), failure path calls missing: {sorted(map(str, missing))}"
        )
    found = sites_of(
        FAILED_SITES_SCENARIO,
        taken,
        target_region=plan.regions.secondary,
        source_region=plan.regions.primary,
        grouped_as="failure",
    )
    return [replace(site, base=FAILED_RUN) for site in found]


def _played(
    scenario: str, *, plan: RecoveryPlan, seed: int | None, faults: Sequence[Fault] = ()
) -> tuple[DrillReport, list[Call]]:
    """Play ``scenario`` (with ``faults``) on ``chaos_latencies(plan, seed)``: its report and every call it made."""
    calls: list[Call] = []

    def keep_calls(cloud: LocalCloud, _report: DrillReport) -> None:
        calls.extend(cloud.faults.calls)

    return matrix_drill(scenario, plan=plan, seed=seed, faults=faults, inspect=keep_calls), calls


def matrix_drill(
    scenario: str,
    *,
    plan: RecoveryPlan,
    seed: int | None = None,
    faults: Sequence[Fault] = (),
    inspect: Callable[[LocalCloud, DrillReport], None] | None = None,
) -> DrillReport:
    """A drill as the matrix plays it (recordings, cases, controls): on ``chaos_latencies(plan, seed)``, without the
    schedules it plays apart (``PLAYED_APART``)."""
    return run_drill(
        scenario,
        plan=plan,
        latencies=chaos_latencies(plan, seed),
        faults=faults,
        inspect=inspect,
        without_schedules=PLAYED_APART,
    )


def sites_of(
    scenario: str,
    calls: list[Call],
    *,
    target_region: str = "",
    source_region: str = "",
    grouped_as: Group | None = None,
) -> list[Site]:
    """The distinct call sites of one run's calls, in the order first seen, each in its group for ``scenario``
    (``SCENARIO_SITES``; all in ``grouped_as`` if given); calls of no group there are left out."""
    grouped: dict[tuple[str, str, str, str, str | None], list[Call]] = {}
    for call in calls:
        # A caller's warm-ups are one site (no target): all best effort alike; a fault there meets every one of them.
        target = None if is_warm_up_call(call) else call.target
        grouped.setdefault((call.caller, call.service, call.operation, call.region, target), []).append(call)
    found = []
    for (caller, service, operation, region, target), made in grouped.items():
        group = grouped_as or group_of(scenario, caller, target)
        if group is None:
            continue
        # A poll loop calls again in a later invocation; the state machine's own calls are one each.
        rounds = [c.seq if c.invocation is None else c.invocation for c in made]
        distinct = list(dict.fromkeys(rounds))
        polled = len(distinct) > 1 and (_polls(caller, target) or group == "ramp")  # the ramp's later steps
        poll_ordinal = rounds.index(distinct[1]) + 1 if polled else None
        found.append(
            Site(
                scenario,
                caller,
                service,
                operation,
                region,
                target,
                len(made),
                poll_ordinal,
                target_region,
                group,
                source_region,
            )
        )
    return found


def is_warm_up_call(call: Call) -> bool:
    """A function's asynchronous warm-up invoke of another (``evac.aws.warmup``)."""
    return (call.service, call.operation, call.params.get("InvocationType")) == ("lambda", "Invoke", "Event")


def group_of(scenario: str, caller: str, target: str | None) -> Group | None:
    """The group a call belongs to in ``scenario`` (a Lambda Invoke by a state machine: the group of the function it
    invokes), or None if the scenario records none for it."""
    who = target if caller in STATE_MACHINES and target else caller
    for recorded, group, callers in SCENARIO_SITES:
        if recorded != scenario:
            continue
        if callers is None and caller not in TRIGGER_CALLERS and who not in TRIGGER_CALLERS:
            return group
        if callers is not None and (caller in callers or who in callers):
            return group
    return None


# Functions that start their work and then poll it in later invocations of the same function (the resources stage:
# StartResources, then CheckResources until done, both RecoverResourcesFunction): a later invocation is a poll.
START_THEN_POLL: Final = frozenset({"RecoverResourcesFunction"})


def _polls(caller: str, target: str | None) -> bool:
    """Check* functions are the runbook's poll loops (ASL: Wait -> Check -> Choice), and so are the later invocations
    of a function that starts and then polls (``START_THEN_POLL``); so are the runbook's invocations of them."""
    who = target or caller
    return who.startswith("Check") or who in START_THEN_POLL


def cases(
    sites: Iterable[Site], kinds: Iterable[FaultKind] = KINDS, *, every_kind: bool = False, seed: int | None = None
) -> list[Case]:
    """Each site with each fault kind at its first call (and at a later poll, where polled), and each site that
    changes something with its answer lost after the change (``AFTER_EFFECT_KINDS``, at its first call). Where
    throttling and a 5xx are one fault to the caller (``one_transient``), one of the two unless ``every_kind``."""
    kinds = tuple(kinds)
    found = []
    for site in sites:
        played = kinds if every_kind else tuple(k for k in kinds if k not in skipped_transient(site, seed))
        for kind in played:
            found.append(Case(site, kind, "first"))
            if site.poll_ordinal:
                found.append(Case(site, kind, "poll"))
        if site.changes:
            found += [Case(site, kind, "first", after_effect=True) for kind in AFTER_EFFECT_KINDS]
    return found


def one_transient(site: Site) -> bool:
    """Whether throttling and a 5xx are one fault at ``site`` (``ALIKE_TRANSIENTS``): a Lambda function's call, other
    than a prober's."""
    return site.caller not in STATE_MACHINES and site.caller not in READS_EACH_TRANSIENT


def skipped_transient(site: Site, seed: int | None) -> tuple[FaultKind, ...]:
    """The kind of ``ALIKE_TRANSIENTS`` the default matrix leaves out at ``site``, if any: chosen by the site's name
    (so a new site does not move the others) and the seed (another seed plays the other half)."""
    if not one_transient(site):
        return ()
    skipped = (zlib.crc32(f"{site.scenario}/{site.name}".encode()) + (seed or 0)) % 2
    return (ALIKE_TRANSIENTS[skipped],)


def subset(all_cases: Iterable[Case]) -> list[Case]:
    """The representative few of ``SUBSET``, in its order."""
    by_key: dict[tuple[str, str, str, str, str | None], Case] = {}
    for c in all_cases:  # a site both scenarios reach: the first scenario's (primary-outage)
        by_key.setdefault((c.fault_label, c.point, c.site.caller, c.site.operation, c.site.target), c)
    return [by_key[key] for key in SUBSET if key in by_key]
