"""`evac bench`: the plans it generates, how it reads import times and judges its goals, and one small run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.bench import BenchRun, goals, handler_modules, import_times, parse_importtime, run_bench, write_json
from evacops.cli import app
from evacops.cloud import write_plan
from evacops.drill.variants import FOLLOW_CAPACITY, derive
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


def run(endpoints: int, policy: str, rto: float, overhead: float = 1.02) -> BenchRun:
    return BenchRun(
        endpoints=endpoints,
        dns_policy=policy,  # type: ignore[arg-type]
        status="SUCCEEDED",
        expected=True,
        rto_seconds=rto,
        critical_path_seconds=rto / overhead,
        overhead_ratio=overhead,
        full_capacity_seconds=rto,
        state_transitions=40,
        lambda_invocations=16,
        wall_seconds=10.0,
    )


def test_goals_judge_flatness_overhead_and_the_gain_of_following_capacity() -> None:
    runs = [
        run(1, "scale-then-shift", 500.0),
        run(50, "scale-then-shift", 560.0),
        run(1, "follow-capacity", 200.0),
        run(50, "follow-capacity", 210.0),
    ]

    judged = {g.name: (g.value, g.met) for g in goals(runs)}

    assert judged == {
        "scale-then-shift: RTO(50) / RTO(1)": (1.12, False),
        "follow-capacity: RTO(50) / RTO(1)": (1.05, True),
        "scale-then-shift: overhead ratio at 1 endpoint(s)": (1.02, True),
        "RTO follow-capacity / scale-then-shift at 1 endpoint(s)": (0.4, True),
        "RTO follow-capacity / scale-then-shift at 50 endpoint(s)": (0.375, True),
    }


@pytest.mark.e2e
def test_a_bench_run_reports_each_drill_and_writes_the_json_contract(tmp_path: Path) -> None:
    report = run_bench([2], ["follow-capacity"], imports=False)
    write_json(report, tmp_path / "bench.json")

    [measured] = report.runs
    assert (measured.endpoints, measured.dns_policy, measured.status, measured.expected) == (
        2,
        "follow-capacity",
        "SUCCEEDED",
        True,
    )
    assert measured.state_transitions > 0
    assert measured.lambda_invocations > 0
    written = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert set(written) >= {"runs", "imports"}
    assert set(written["runs"][0]) >= {
        "endpoints",
        "rto_seconds",
        "critical_path_seconds",
        "overhead_ratio",
        "state_transitions",
        "lambda_invocations",
        "wall_seconds",
    }


def test_evac_bench_is_a_command_with_its_options() -> None:
    result = CliRunner().invoke(app, ["bench", "--help"])

    assert result.exit_code == 0
    for option in ("--json", "--endpoints", "--policy", "--no-imports"):
        assert option in result.output
