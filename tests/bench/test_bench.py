"""`evac bench`: the plans it generates, how it reads import times and judges its goals, and one small run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evac.domain.plan_inference import MAX_ENDPOINTS
from evac.domain.plan_resources import MAX_RESOURCES, AutoScalingGroup, DynamoDbGlobalTable
from evacops.bench import (
    BenchRun,
    goals,
    handler_modules,
    import_times,
    parse_importtime,
    percentile,
    run_bench,
    summarize,
    write_json,
)
from evacops.cli import app
from evacops.cloud import write_plan
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.localcloud.seed_kinds import target_group_name
from evacops.template import functions, load_template


def test_a_generated_plan_has_the_endpoints_asked_for_alike_and_still_loads(tmp_path: Path) -> None:
    plan = load_plan(write_plan(derive(load_plan(DEFAULT_PLAN), endpoints=12, shift=FOLLOW_CAPACITY), tmp_path))

    names = [e.name for e in plan.inference.endpoints]
    assert names[:3] == ["fraud-scoring-xgb", "fraud-scoring-xgb-02", "fraud-scoring-xgb-03"]
    assert len(set(names)) == 12
    assert {(e.active_instances, e.standby_instances) for e in plan.inference.endpoints} == {(4, 1)}
    assert (plan.dns.shift.policy, plan.dns.shift.minimum_share) == ("follow-capacity", 0.25)


def test_a_generated_plan_keeps_the_plans_own_endpoints_first_and_its_alarms_valid(tmp_path: Path) -> None:
    # GIVEN the second plan: three endpoints, alarms on its first two (embed, rerank)
    eu = load_plan(Path(__file__).resolve().parents[1] / "plans" / "eu-search.yaml")

    # WHEN the bench derives plans with fewer and with more endpoints
    one, five = (load_plan(write_plan(derive(eu, endpoints=n), tmp_path, f"{n}.yaml")) for n in (1, 5))

    # THEN the plan's own come first, copies of its first fill the rest, and every alarm names a kept endpoint
    assert [e.name for e in five.inference.endpoints] == [
        "semantic-search-embed",
        "semantic-search-rerank",
        "semantic-search-intent",
        "semantic-search-embed-02",
        "semantic-search-embed-03",
    ]
    assert [e.name for e in one.inference.endpoints] == ["semantic-search-embed"]
    # every endpoint alarm now watches the one endpoint kept (probe alarms watch no endpoint)
    assert {a.endpoint for a in one.alarms if a.kind == "metric"} == {"semantic-search-embed"}
    assert {a.name for a in one.alarms} == {a.name for a in eu.alarms}


def test_import_time_is_the_top_level_imports_after_the_mark_in_microseconds() -> None:
    stderr = "\n".join(
        [
            "import time: self [us] | cumulative | imported package",
            "import time:       900 |        900 | site",
            "evac-bench: imports start here",
            "import time:       100 |     150000 | boto3",
            "import time:      2000 |      40000 |   botocore.client",
            "import time:       300 |      50000 | evac",
        ]
    )

    assert parse_importtime(stderr) == pytest.approx(0.2)


def test_every_deployed_handler_is_timed() -> None:
    handlers = {str(p["Handler"]).rpartition(".")[0] for p in functions(load_template()).values()}

    assert handler_modules() == sorted(handlers)


def test_a_handler_import_is_timed_in_a_fresh_interpreter_against_boto3_and_powertools_alone() -> None:
    [timed] = import_times(["evac.handlers.check_dns"], repeat=1)

    # Figures only: one import each on a shared machine is too noisy to compare here (the bench takes the best of 3)
    assert timed.module == "evac.handlers.check_dns"
    assert timed.seconds > 0
    assert timed.ratio > 0


def run(
    endpoints: int,
    policy: str,
    rto: float,
    overhead: float = 1.02,
    seed: int = 1,
    events: int = 100,
    scenario: str = "primary-outage",
    rpo: float | None = 0.8,
) -> BenchRun:
    return BenchRun(
        endpoints=endpoints,
        dns_policy=policy,  # type: ignore[arg-type]
        scenario=scenario,  # type: ignore[arg-type]
        seed=seed,
        status="SUCCEEDED",
        expected=True,
        rto_seconds=rto,
        critical_path_seconds=rto / overhead,
        overhead_ratio=overhead,
        full_capacity_seconds=rto,
        rpo_seconds=0.85 if scenario == "primary-outage" else 0.0,
        rpo_observed_seconds=rpo,
        state_transitions=40,
        lambda_invocations=16,
        history_events=events,
        cold_start_seconds=2.0,
        wall_seconds=10.0,
    )


def test_goals_judge_overhead_flatness_the_gain_of_following_capacity_and_the_history_over_the_seeds() -> None:
    runs = [
        run(1, "scale-then-shift", 500.0, 1.02, seed=1),
        run(1, "scale-then-shift", 400.0, 1.04, seed=2),
        run(100, "scale-then-shift", 510.0, seed=1),
        run(100, "scale-then-shift", 420.0, seed=2, events=2600),
        run(1, "follow-capacity", 200.0, seed=1),
        run(1, "follow-capacity", 190.0, seed=2),
        run(100, "follow-capacity", 210.0, seed=1),
        run(100, "follow-capacity", 200.0, seed=2),
    ]

    judged = {g.name: (g.value, g.met) for g in goals(runs, rpo_budget_seconds=60)}

    assert judged == {
        # p95 of two runs is the larger: a bad seed is not averaged away
        "scale-then-shift: overhead ratio p95 at 1 endpoint(s)": (1.04, False),
        # paired by seed: 510/500 = 1.02 and 420/400 = 1.05; nearest-rank p50 of two is the smaller
        "scale-then-shift: RTO(100) / RTO(1) p50": (1.02, True),
        "follow-capacity: RTO(100) / RTO(1) p50": (1.05, False),
        "RTO follow-capacity / scale-then-shift p50 at 1 endpoint(s)": (0.4, True),
        "RTO follow-capacity / scale-then-shift p50 at 100 endpoint(s)": (0.412, True),
        "history events at 100 endpoint(s), share of the limit": (0.104, False),
        "primary-outage: observed RPO p95 (s), within the plan's rpo_budget_seconds": (0.8, True),
    }


def test_the_summary_gives_percentiles_per_count_and_policy_and_pairs_ratios_by_seed() -> None:
    runs = [run(1, "scale-then-shift", 100.0 * s, seed=s) for s in range(1, 21)]
    runs += [run(10, "scale-then-shift", 100.0 * s + 1, seed=s) for s in range(1, 21)]

    one, ten = summarize(runs)

    assert (one.endpoints, one.seeds, one.rto_p50, one.rto_p95) == (1, 20, 1000.0, 1900.0)
    assert ten.rto_p50 == 1001.0
    # each seed's RTO(10) over the same seed's RTO(1): at most 1.01, never a ratio of two different draws
    assert ten.rto_ratio_to_one_p50 == 1.001
    assert one.cold_start_share_p50 == 0.002
    assert percentile([None, None], 0.5) is None


SWITCHED = "planned-switchover: observed RPO max (s)"
WITHIN = "primary-outage: observed RPO p95 (s), within the plan's rpo_budget_seconds"


def test_the_rto_goals_judge_only_the_failovers_and_the_rpo_goals_each_scenario_on_its_own() -> None:
    # GIVEN failovers at 1 and 10 endpoints, and a planned switchover at 1 far slower than any of them
    outage = [run(n, "scale-then-shift", 400.0 + n, seed=s, rpo=0.8 + s / 10) for n in (1, 10) for s in (1, 2)]
    switched = [run(1, "scale-then-shift", 900.0, 1.5, seed=s, scenario="planned-switchover", rpo=0.0) for s in (1, 2)]

    judged = {g.name: g for g in goals(outage + switched, rpo_budget_seconds=60)}
    rows = {(r.scenario, r.endpoints): r for r in summarize(outage + switched)}

    # THEN the switchover's slow RTO and overhead are in no RTO goal: those are the failovers' alone
    assert judged["scale-then-shift: overhead ratio p95 at 1 endpoint(s)"].value == 1.02
    assert judged["scale-then-shift: RTO(10) / RTO(1) p50"].value == round(410 / 401, 3)
    # and each scenario's observed RPO is judged on its own runs: p95 of the failovers, the switchovers' largest
    assert (judged[WITHIN].target, judged[WITHIN].value, judged[WITHIN].met) == ("<= 60", 1.0, True)
    assert (judged[SWITCHED].target, judged[SWITCHED].value, judged[SWITCHED].met) == ("== 0", 0.0, True)
    # the summary keeps the scenarios apart: the switchover's row, with its own RPO percentiles
    assert rows[("planned-switchover", 1)].rto_p50 == 900.0
    assert (rows[("primary-outage", 1)].rpo_observed_p50, rows[("primary-outage", 1)].rpo_observed_p95) == (0.9, 1.0)
    assert rows[("planned-switchover", 1)].rpo_observed_p95 == 0.0


@pytest.mark.parametrize(
    ("outage_rpo", "switched_rpo", "failed"),
    [
        (0.8, 0.3, SWITCHED),  # a switchover that lost writes: seeded, one seed of two
        (75.0, 0.0, WITHIN),  # a failover beyond the plan's 60 s budget at p95
        (None, 0.0, WITHIN),  # a failover whose writer never moved: no observation is not within budget
        (0.8, None, SWITCHED),
    ],
)
def test_an_rpo_goal_is_not_met_by_a_run_that_lost_too_much_or_was_not_observed(
    outage_rpo: float | None, switched_rpo: float | None, failed: str
) -> None:
    runs = [
        run(1, "scale-then-shift", 400.0, seed=1),
        run(1, "scale-then-shift", 400.0, seed=2, rpo=outage_rpo),
        run(1, "scale-then-shift", 500.0, seed=1, scenario="planned-switchover", rpo=0.0),
        run(1, "scale-then-shift", 500.0, seed=2, scenario="planned-switchover", rpo=switched_rpo),
    ]

    judged = {g.name: g.met for g in goals(runs, rpo_budget_seconds=60) if "RPO" in g.name}

    assert judged == {WITHIN: failed != WITHIN, SWITCHED: failed != SWITCHED}


@pytest.mark.e2e
def test_a_bench_run_reports_each_drill_and_writes_the_json_contract(tmp_path: Path) -> None:
    # WHEN the bench plays one count, policy and seed: the failover, then the planned switchover
    report = run_bench([2], ["follow-capacity"], seeds=[7], imports=False)
    write_json(report, tmp_path / "bench.json")

    measured, switched = report.runs
    assert (measured.scenario, measured.endpoints, measured.dns_policy, measured.status, measured.expected) == (
        "primary-outage",
        2,
        "follow-capacity",
        "SUCCEEDED",
        True,
    )
    assert (switched.scenario, switched.endpoints, switched.dns_policy, switched.seed) == (
        "planned-switchover",
        2,
        "follow-capacity",
        7,
    )
    assert measured.state_transitions > 0
    assert measured.lambda_invocations > 0
    # THEN the failover lost what the write workload saw (within the plan's budget), the switchover nothing
    assert measured.rpo_observed_seconds is not None
    assert 0 < measured.rpo_observed_seconds <= report.rpo_budget_seconds == 60
    assert measured.rpo_error_seconds == round(measured.rpo_seconds - measured.rpo_observed_seconds, 3)
    assert (switched.rpo_seconds, switched.rpo_observed_seconds, switched.expected) == (0.0, 0.0, True)
    # the goals judge the failovers' RTO and each scenario's RPO; the JSON holds every figure by its contract name
    assert {g.name: g.met for g in report.goals if "RPO" in g.name} == {WITHIN: True, SWITCHED: True}
    written = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert set(written) >= {"runs", "summary", "imports", "goals", "rpo_budget_seconds"}
    assert [(r["scenario"], r["seed"]) for r in written["runs"]] == [("primary-outage", 7), ("planned-switchover", 7)]
    assert set(written["summary"][0]) >= {
        "endpoints",
        "dns_policy",
        "scenario",
        "seeds",
        "rto_p50",
        "rto_p95",
        "overhead_p50",
        "overhead_p95",
        "rto_ratio_to_one_p50",
        "rpo_observed_p50",
        "rpo_observed_p95",
    }
    assert set(written["runs"][0]) >= {
        "endpoints",
        "scenario",
        "rto_seconds",
        "critical_path_seconds",
        "overhead_ratio",
        "rpo_seconds",
        "rpo_observed_seconds",
        "rpo_error_seconds",
        "state_transitions",
        "lambda_invocations",
        "wall_seconds",
    }
    assert [g["name"] for g in written["goals"]][-2:] == [WITHIN, SWITCHED]


def test_evac_bench_is_a_command_with_its_options() -> None:
    result = CliRunner().invoke(app, ["bench", "--help"])

    assert result.exit_code == 0
    for option in ("--json", "--endpoints", "--policy", "--seeds", "--seed", "--no-imports", "--no-switchover"):
        assert option in result.output


FLEET = Path(__file__).resolve().parents[1] / "plans" / "rag-gpu-fleet.yaml"


@pytest.mark.parametrize(("count", "each"), [(1, {"ecs-service": 1}), (10, None), (50, None)])
def test_a_mixed_plan_has_the_resources_asked_for_every_kind_in_turn_with_names_aws_takes(
    tmp_path: Path, count: int, each: dict[str, int] | None
) -> None:
    # GIVEN the GPU-fleet plan: one resource of each kind
    fleet = load_plan(FLEET)

    # WHEN the bench derives a plan with `count` resources (written and read back: the plan's validation runs)
    plan = load_plan(write_plan(derive(fleet, resources=count), tmp_path))

    # THEN the kinds take turns in the plan's order: every kind has count/k of them (k kinds), the first ones one more
    kinds = [r.kind for r in fleet.resources]
    assert len(set(kinds)) == len(kinds)
    found = Counter(r.kind for r in plan.resources)
    assert len(plan.resources) == count
    assert found == (each or {k: count // len(kinds) + (i < count % len(kinds)) for i, k in enumerate(kinds)})
    # every AWS name is its own in its region (services share a cluster and schedules a group, as an application's do)
    names = [r.name for r in plan.resources]
    regional = [
        (f, region, n)
        for r in plan.resources
        for f, m in r.regional().items()
        if f != "clusters"
        for region, n in m.items()
    ]
    assert len(set(names)) == count
    assert len(set(regional)) == len(regional)
    tables = [r.table for r in plan.resources if isinstance(r, DynamoDbGlobalTable)]
    assert len(set(tables)) == len(tables)
    # and each group gets a target group of its own that ELB takes (32 characters at most)
    groups = [
        target_group_name(g, region) for g in plan.resources if isinstance(g, AutoScalingGroup) for region in g.groups
    ]
    assert len(set(groups)) == len(groups)
    assert all(len(g) <= 32 and not g.endswith("-") for g in groups)


def test_a_mixed_summary_pairs_resource_counts_by_seed_and_judges_their_flatness() -> None:
    def mixed(resources: int, rto: float, seed: int) -> BenchRun:
        return run(1, "scale-then-shift", rto, seed=seed).model_copy(
            update={"resources": resources, "scale": "resources"}
        )

    runs = [mixed(1, 400.0, 1), mixed(1, 500.0, 2), mixed(50, 404.0, 1), mixed(50, 520.0, 2)]

    one, fifty = summarize(runs)
    judged = {g.name: (g.value, g.met) for g in goals(runs, rpo_budget_seconds=60)}

    assert (one.scale, one.size, fifty.size) == ("resources", 1, 50)
    assert fifty.rto_ratio_to_one_p50 == 1.01  # 404/400 and 520/500: the nearest-rank p50 of two is the smaller
    assert judged == {
        "scale-then-shift: RTO(50 mixed) / RTO(1) p50": (1.01, True),
        "history events at 50 mixed resources, share of the limit": (0.004, True),
        "primary-outage: observed RPO p95 (s), within the plan's rpo_budget_seconds": (0.8, True),
    }


def test_evac_bench_grows_resources_only_of_a_plan_that_lists_some() -> None:
    runner = CliRunner()

    none = runner.invoke(app, ["bench", "--resources", "1,10", "--no-imports"])  # the bundled plan lists none
    both = runner.invoke(app, ["bench", "--resources", "1", "--endpoints", "1", "--plan", str(FLEET)])
    zero = runner.invoke(app, ["bench", "--resources", "0,10", "--plan", str(FLEET)])

    assert none.exit_code == 2
    assert "lists none" in none.output
    assert both.exit_code == 2
    assert "choose --endpoints or --resources" in both.output
    assert zero.exit_code == 2
    assert "--resources takes counts of 1 or more" in zero.output


def test_evac_bench_refuses_more_endpoints_or_resources_than_a_plan_may_have_before_it_plays_anything() -> None:
    endpoints = CliRunner().invoke(app, ["bench", "--endpoints", f"1,{MAX_ENDPOINTS + 1}", "--no-imports"])
    resources = CliRunner().invoke(app, ["bench", "--resources", f"{MAX_RESOURCES + 1}", "--plan", str(FLEET)])

    assert (endpoints.exit_code, resources.exit_code) == (2, 2)
    assert f"a plan has at most {MAX_ENDPOINTS} endpoints" in endpoints.output
    assert f"a plan has at most {MAX_RESOURCES} resources" in resources.output
    assert "primary-outage with" not in endpoints.output + resources.output  # nothing was played


@pytest.mark.e2e
def test_a_mixed_resources_bench_reports_each_count_over_its_seed() -> None:
    report = run_bench(
        [1, 10],
        ["scale-then-shift"],
        seeds=[1],
        imports=False,
        plan=load_plan(FLEET),
        scale="resources",
        switchover=False,  # its RPO goal: the endpoint bench's test
    )

    assert [(r.resources, r.endpoints, r.scale, r.status, r.expected) for r in report.runs] == [
        (1, 1, "resources", "SUCCEEDED", True),
        (10, 1, "resources", "SUCCEEDED", True),
    ]
    one, ten = report.summary
    assert (one.size, ten.size, ten.seeds) == (1, 10, 1)
    assert None not in (ten.rto_p50, ten.rto_p95, ten.overhead_p50, ten.rto_ratio_to_one_p50)
    assert ten.history_events_max > one.history_events_max > 0
    assert ten.wall_p50 > 0
    assert [g.name for g in report.goals] == [
        "scale-then-shift: RTO(10 mixed) / RTO(1) p50",
        "history events at 10 mixed resources, share of the limit",
        WITHIN,
    ]
