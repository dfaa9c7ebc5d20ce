"""The fault matrix's cases, from recorded calls, without playing a drill: which group each call site falls in, which
get a fault after effect, and the outcome the policy expects of each (fast: no local cloud)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from typer.testing import CliRunner

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos import matrix
from evacops.chaos.matrix import NoCaseSelectedError, select
from evacops.chaos.sites import (
    BASE_SCENARIOS,
    FAILED_RUN,
    FAILURE_PATH,
    Case,
    cases,
    sites_of,
    skipped_transient,
    subset,
)
from evacops.cli import app
from evacops.localcloud.faults import Call

PLAN = load_plan(DEFAULT_PLAN)
TARGET = PLAN.regions.secondary


def call(
    seq: int,
    caller: str,
    service: str,
    operation: str,
    region: str = TARGET,
    params: dict[str, Any] | None = None,
    **more: Any,
) -> Call:
    return Call(seq, float(seq), caller, TARGET, service, operation, region, False, params or {}, **more)


PRIMARY_OUTAGE = [
    call(1, "TriggerFunction", "stepfunctions", "StartExecution", invocation=1),
    call(2, "ConfirmWatch", "lambda", "Invoke", target="ConfirmFunction"),
    call(3, "ConfirmFunction", "cloudwatch", "DescribeAlarms", invocation=2),
    call(4, "ConfirmFunction", "dynamodb", "GetItem", PLAN.regions.primary, invocation=2),
    call(5, "ConfirmWatch", "stepfunctions", "StartExecution"),
    call(6, "FailoverRunbook", "lambda", "Invoke", target="PromoteDatabaseFunction"),
    call(7, "PromoteDatabaseFunction", "rds", "FailoverGlobalCluster", invocation=3),
    call(8, "CheckDatabaseFunction", "rds", "DescribeGlobalClusters", invocation=4),
    call(9, "CheckDatabaseFunction", "rds", "DescribeGlobalClusters", invocation=5),
]


def test_the_trigger_and_watch_are_sites_of_their_own_group_in_the_run_an_alarm_starts() -> None:
    sites = sites_of("primary-outage", PRIMARY_OUTAGE, target_region=TARGET)

    groups = {(s.caller, s.operation): s.group for s in sites}
    assert groups[("TriggerFunction", "StartExecution")] == "trigger"
    assert groups[("ConfirmWatch", "Invoke")] == "trigger"
    assert groups[("ConfirmFunction", "DescribeAlarms")] == "trigger"
    assert groups[("FailoverRunbook", "Invoke")] == "runbook"
    assert groups[("CheckDatabaseFunction", "DescribeGlobalClusters")] == "runbook"


def test_a_scenario_contributes_only_the_sites_of_the_path_it_exists_for() -> None:
    fallback = [
        call(1, "CheckEndpointFunction", "sagemaker", "UpdateEndpoint", invocation=1),
        call(2, "ShiftDnsFunction", "route53", "ChangeResourceRecordSets", "aws-global", invocation=2),
        call(3, "ConfirmFunction", "cloudwatch", "DescribeAlarms", invocation=3),
    ]

    sites = sites_of("capacity-fallback", fallback, target_region=TARGET)

    assert [(s.caller, s.group) for s in sites] == [("CheckEndpointFunction", "fallback")]


def test_the_ramps_later_dns_steps_are_faulted_as_well_as_its_first() -> None:
    ramp = [
        call(i, "ShiftDnsFunction", "route53", "ChangeResourceRecordSets", "aws-global", invocation=i) for i in (1, 2)
    ]

    [site] = sites_of("traffic-follows-capacity", ramp, target_region=TARGET)

    assert (site.group, site.poll_ordinal) == ("ramp", 2)
    assert {c.point for c in cases([site])} == {"first", "poll"}


def test_the_resources_stages_later_checks_are_faulted_as_well_as_its_start() -> None:
    # GIVEN the resources stage: StartResources, then CheckResources until done, each an invocation of one function
    stage = [
        call(1, "FailoverRunbook", "lambda", "Invoke", target="RecoverResourcesFunction"),
        call(2, "RecoverResourcesFunction", "ecs", "DescribeServices", invocation=1),
        call(3, "RecoverResourcesFunction", "ecs", "UpdateService", invocation=1),
        call(4, "FailoverRunbook", "lambda", "Invoke", target="RecoverResourcesFunction"),
        call(5, "RecoverResourcesFunction", "ecs", "DescribeServices", invocation=2),
    ]

    sites = {s.operation: s for s in sites_of("primary-outage", stage, target_region=TARGET)}

    # THEN a later check is a poll, of the function's read and of the runbook's Invoke; the start's change is not
    assert (sites["Invoke"].poll_ordinal, sites["DescribeServices"].poll_ordinal) == (2, 2)
    assert sites["UpdateService"].poll_ordinal is None
    assert {c.point for c in cases([sites["DescribeServices"]])} == {"first", "poll"}


def test_only_a_call_that_changes_something_is_faulted_after_effect() -> None:
    sites = sites_of("primary-outage", PRIMARY_OUTAGE, target_region=TARGET)

    after = {(c.site.operation, c.kind) for c in cases(sites) if c.after_effect}

    assert ("FailoverGlobalCluster", "5xx") in after
    assert ("Invoke", "timeout") in after
    assert ("StartExecution", "5xx") in after
    assert not {op for op, _ in after} & {"DescribeAlarms", "GetItem", "DescribeGlobalClusters"}
    assert all(c.group == "after-effect" and c.expected_status == "SUCCEEDED" for c in cases(sites) if c.after_effect)


def test_a_fault_in_the_trigger_or_watch_is_expected_to_fail_closed() -> None:
    sites = {s.key: s for s in sites_of("primary-outage", PRIMARY_OUTAGE, target_region=TARGET)}
    alarms = sites[("ConfirmFunction", "cloudwatch", "DescribeAlarms", None)]
    peer_ledger = sites[("ConfirmFunction", "dynamodb", "GetItem", None)]
    start = sites[("ConfirmWatch", "stepfunctions", "StartExecution", None)]

    # a transient fault: retried, or another alarm's watch starts the one runbook
    assert Case(alarms, "throttling", "first").expected_status == "SUCCEEDED"
    # a permanent one: nothing starts on evidence nobody could read
    assert Case(alarms, "access-denied", "first").expected_status == "SKIPPED"
    assert Case(start, "access-denied", "first").expected_status == "SKIPPED"
    # the peer region's ledger is a bonus (the peer may be the failing region)
    assert Case(peer_ledger, "access-denied", "first").expected_status == "SUCCEEDED"


def test_a_prober_that_cannot_read_is_no_evidence_and_one_that_cannot_publish_has_no_vote() -> None:
    primary, witness = PLAN.regions.primary, PLAN.probes.witness
    probes = [
        call(1, "ProbeFunction", "sagemaker-runtime", "InvokeEndpoint", primary, invocation=1),
        call(2, "ProbeFunction", "cloudwatch", "PutMetricData", TARGET, invocation=1),
        call(3, "ProbeFunction", "cloudwatch", "PutMetricData", witness, invocation=2),
        call(4, "ProbeFunction", "cloudwatch", "PutMetricData", primary, invocation=3),
    ]
    sites = {
        (s.operation, s.region): s
        for s in sites_of("primary-outage", probes, target_region=TARGET, source_region=primary)
    }

    # a refused probe is "unknown", never "failing": the alarms still decide, and the run goes ahead
    assert Case(sites[("InvokeEndpoint", primary)], "access-denied", "first").expected_status == "SUCCEEDED"
    # a vantage watching the primary that cannot publish: fewer votes than the quorum, nothing starts
    assert Case(sites[("PutMetricData", TARGET)], "access-denied", "first").expected_status == "SKIPPED"
    assert Case(sites[("PutMetricData", witness)], "access-denied", "first").expected_status == "SKIPPED"
    # the primary's own prober watches the secondary: no part of this decision
    assert Case(sites[("PutMetricData", primary)], "access-denied", "first").expected_status == "SUCCEEDED"
    # in a planned switchover nobody waits for the probes' votes: a person started the run
    planned = sites_of("planned-switchover", probes, target_region=TARGET, source_region=primary)
    assert {Case(s, "access-denied", "first").expected_status for s in planned} == {"SUCCEEDED"}


def test_throttling_and_a_5xx_are_both_played_only_where_the_caller_tells_them_apart() -> None:
    probing = call(10, "ProbeFunction", "cloudwatch", "PutMetricData", invocation=6)
    sites = sites_of("primary-outage", [*PRIMARY_OUTAGE, probing], target_region=TARGET)

    def kinds(chosen: list[Case]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for c in chosen:
            if not c.after_effect and c.point == "first":
                found.setdefault(c.site.name, set()).add(c.kind)
        return found

    default, other_seed, every = kinds(cases(sites)), kinds(cases(sites, seed=1)), kinds(cases(sites, every_kind=True))
    both = {"throttling", "5xx", "access-denied", "timeout"}
    # a state machine's integrations (Retry and Catch name each error) and a prober (5xx failed, throttled unknown)
    told_apart = {s.name for s in sites if s.caller in ("FailoverRunbook", "ConfirmWatch", "ProbeFunction")}
    assert len(told_apart) == 4
    for site in sites:
        assert every[site.name] == both
        if site.name in told_apart:
            assert default[site.name] == other_seed[site.name] == both
        else:  # a Lambda function's call: one of the two, the other on another seed; never less than that
            assert len(default[site.name]) == len(other_seed[site.name]) == 3
            assert default[site.name] | other_seed[site.name] == both
            assert skipped_transient(site, 0) != skipped_transient(site, 1)
    polled = [s for s in sites if s.poll_ordinal and s.name not in told_apart]
    assert len(cases(sites, every_kind=True)) - len(cases(sites)) == len(sites) - len(told_apart) + len(polled)


def test_the_subset_holds_a_trigger_case_and_an_after_effect_case() -> None:
    sites = sites_of("primary-outage", PRIMARY_OUTAGE, target_region=TARGET)

    chosen = subset(cases(sites, every_kind=True))

    assert {c.group for c in chosen} >= {"trigger", "after-effect"}
    assert "primary-outage/FailoverRunbook -> lambda:Invoke:PromoteDatabaseFunction/5xx+after-effect@first" in {
        c.id for c in chosen
    }


def test_only_keeps_the_cases_whose_id_contains_any_substring_and_refuses_one_that_keeps_none() -> None:
    all_cases = cases(sites_of("primary-outage", PRIMARY_OUTAGE, target_region=TARGET))

    promote = select(all_cases, ["PromoteDatabaseFunction"])
    either = select(all_cases, ["/access-denied@", "CheckDatabaseFunction -> "])

    # the function's own calls and the runbook's Invoke of it
    assert {(c.site.caller, c.site.operation) for c in promote} == {
        ("FailoverRunbook", "Invoke"),
        ("PromoteDatabaseFunction", "FailoverGlobalCluster"),
    }
    assert all(c.kind == "access-denied" or c.site.caller == "CheckDatabaseFunction" for c in either)
    assert {c.site.caller for c in either if c.kind != "access-denied"} == {"CheckDatabaseFunction"}
    assert select(all_cases, []) == all_cases
    with pytest.raises(NoCaseSelectedError, match="no case's id contains 'promote'"):  # case-sensitive
        select(all_cases, ["promote"])


def test_evac_chaos_documents_only() -> None:
    result = CliRunner().invoke(app, ["chaos", "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0
    assert "--only" in result.output
    assert "contains SUBSTRING" in result.output


def test_a_callers_warm_ups_are_one_best_effort_site_whose_denial_the_run_survives() -> None:
    warm_ups = [
        call(seq, caller, "lambda", "Invoke", params={"InvocationType": "Event"}, target=target, invocation=seq)
        for seq, (caller, target) in enumerate(
            [
                ("TriggerFunction", "ConfirmFunction"),
                ("TriggerFunction", "PlanFunction"),
                ("PlanFunction", "PreflightFunction"),
                ("PlanFunction", "ShiftDnsFunction"),
            ],
            start=1,
        )
    ]

    sites = {s.key: s for s in sites_of("primary-outage", warm_ups, target_region=TARGET)}

    # one site per caller, its fault meeting every warm-up (no target), in the group its caller belongs to
    assert {key: s.group for key, s in sites.items()} == {
        ("TriggerFunction", "lambda", "Invoke", None): "trigger",
        ("PlanFunction", "lambda", "Invoke", None): "runbook",
    }
    # denied, the run still starts and succeeds, cold
    assert {Case(s, "access-denied", "first").expected_status for s in sites.values()} == {"SUCCEEDED"}


def test_an_unreadable_rpo_estimate_holds_back_an_unplanned_run_but_not_a_planned_switchover() -> None:
    read = [call(1, "PlanFunction", "cloudwatch", "GetMetricStatistics", PLAN.regions.primary, invocation=1)]
    for scenario, expected in (("primary-outage", "ABORTED"), ("planned-switchover", "SUCCEEDED")):
        site = sites_of(scenario, read, target_region=TARGET, source_region=PLAN.regions.primary)[0]
        assert Case(site, "access-denied", "first").expected_status == expected, scenario


def test_a_failed_runs_failure_path_is_a_group_played_after_the_fault_that_failed_it() -> None:
    failed_run = [
        call(1, "FailoverRunbook", "dynamodb", "PutItem"),  # the lock taken: not the failure path's
        call(2, "FailoverRunbook", "lambda", "Invoke", target="RecordFunction"),
        call(3, "RecordFunction", "dynamodb", "PutItem", invocation=1),
        call(4, "FailoverRunbook", "sns", "Publish"),
        call(5, "FailoverRunbook", "dynamodb", "DeleteItem"),
    ]
    taken = [c for c in failed_run if (c.caller, c.service, c.operation, c.target) in FAILURE_PATH]
    found = sites_of("primary-outage", taken, target_region=TARGET, grouped_as="failure")
    sites = [replace(s, base=FAILED_RUN) for s in found]

    played = cases(sites)

    assert {s.name for s in sites} == {
        "FailoverRunbook -> lambda:Invoke:RecordFunction (failure path)",
        "RecordFunction -> dynamodb:PutItem (failure path)",
        "FailoverRunbook -> sns:Publish (failure path)",
        "FailoverRunbook -> dynamodb:DeleteItem (failure path)",
    }
    # every kind (RecordFunction's own call: one of throttling and a 5xx), and each change after effect
    assert len(played) == 4 * 4 - 1 + 4 * 2
    assert {c.expected_status for c in played} == {"FAILED"}  # the base fault failed the run, whatever else
    assert all([str(f.operation) for f in c.faults] == ["DescribeDBClusters", c.site.operation] for c in played)


@pytest.mark.parametrize(
    ("only", "recorded"),
    [
        (["readiness/"], ([], True)),
        (["planned-switchover/", "planned-switchover/ShiftDns"], (["planned-switchover"], False)),
        (["readiness/", "/timeout@"], (list(BASE_SCENARIOS), True)),  # a filter of no one scenario: every one
        (["ShiftDnsFunction -> "], (list(BASE_SCENARIOS), True)),
    ],
)
def test_filters_that_name_their_scenarios_record_only_those(
    monkeypatch: pytest.MonkeyPatch, only: list[str], recorded: tuple[list[str], bool]
) -> None:
    seen: dict[str, Any] = {"drills": [], "readiness": False}

    def drills(scenarios: list[str], **_: Any) -> list[object]:
        seen["drills"] = list(scenarios)
        return []

    def readiness(**_: Any) -> list[object]:
        seen["readiness"] = True
        return []

    monkeypatch.setattr(matrix, "record_sites", drills)
    monkeypatch.setattr(matrix, "readiness_sites", readiness)

    with pytest.raises(NoCaseSelectedError):  # nothing recorded here, so nothing to select
        matrix.count_cases(only=only, plan=PLAN)

    assert (seen["drills"], seen["readiness"]) == recorded
