"""Warm the recovery path before it is needed: in a primary outage the trigger warms the watch's and the runbook's
functions during the sustain window, so no cold start sits on the run's path; a warm-up IAM denies leaves the run
cold, and it still succeeds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from evac.aws.warmup import is_warm_up
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.bench.runs import derive
from evacops.chaos import Case, Site, run_case
from evacops.drill.engine import run_drill
from evacops.localcloud.faults import parse_fault

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e

PLAN = load_plan(DEFAULT_PLAN)
TARGET = PLAN.regions.secondary
WARM_UPS_DENIED = ("TriggerFunction/lambda:Invoke:access-denied", "PlanFunction/lambda:Invoke:access-denied")


def drill(faults: tuple[str, ...] = (), plan: RecoveryPlan = PLAN) -> tuple[DrillReport, dict[str, Any]]:
    """The default drill, with what its recovery path's invocations were (the watch's and the runbook's, in the
    target region: the functions its trigger warms) and how many faults were injected."""
    injected = [parse_fault(spec) for spec in faults]
    seen: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, _report: DrillReport) -> None:
        trigger = cloud.stacks[TARGET].function_arns["TriggerFunction"]
        warmed = set(cloud.runtime.environments[trigger]["EVAC_WARM_FUNCTIONS"].split(","))
        seen["path"] = [
            (i.function, i.cold)
            for i in cloud.runtime.invocations
            if i.function in warmed and i.region == TARGET and not is_warm_up(i.event)
        ]
        seen["warm_ups"] = [i for i in cloud.runtime.invocations if is_warm_up(i.event)]
        seen["injected"] = [len(cloud.faults.injected(f)) for f in injected]

    return run_drill("primary-outage", plan=plan, faults=injected, inspect=inspect), seen


def test_in_a_primary_outage_every_invocation_on_the_recovery_path_is_warm() -> None:
    report, seen = drill()

    assert (report.status, report.expected) == ("SUCCEEDED", True)
    functions = {function for function, _ in seen["path"]}
    assert {"evac-ConfirmFunction", "evac-PlanFunction", "evac-PreflightFunction", "evac-ShiftDnsFunction"} <= functions
    assert [function for function, cold in seen["path"] if cold] == []
    assert seen["warm_ups"]
    assert all(w.result == {"evac_warm": "warm"} for w in seen["warm_ups"])


def test_each_endpoint_the_scale_up_map_runs_at_once_finds_a_warm_environment() -> None:
    # GIVEN five endpoints: the runbook's ScaleEndpoints Map invokes ScaleEndpointFunction for all five at once
    report, seen = drill(plan=derive(PLAN, shift=None, endpoints=5))

    # THEN the trigger warmed that function five times over, and none of the five scale-ups started cold
    scale_ups = [cold for function, cold in seen["path"] if function == "evac-ScaleEndpointFunction"]
    assert len(scale_ups) == 5
    assert scale_ups.count(True) == 0
    assert (report.status, report.expected) == ("SUCCEEDED", True)


def test_warm_ups_iam_denies_leave_the_run_cold_and_it_still_succeeds() -> None:
    # GIVEN IAM denies the trigger's and the Plan step's every lambda:InvokeFunction (the warm-ups)
    report, seen = drill(WARM_UPS_DENIED)

    # THEN the faults were met, nothing was warmed, the run paid its cold starts, and it succeeded all the same
    assert all(count >= 1 for count in seen["injected"])
    assert seen["warm_ups"] == []
    assert "evac-PlanFunction" in {function for function, cold in seen["path"] if cold}
    assert (report.status, report.expected) == ("SUCCEEDED", True)
    assert (report.writer_region, report.dns_region) == (TARGET, TARGET)


@pytest.mark.parametrize(("caller", "group"), [("PlanFunction", "runbook"), ("TriggerFunction", "trigger")])
def test_the_fault_matrix_judges_a_denied_warm_up_clean(caller: str, group: str) -> None:
    site = Site("primary-outage", caller, "lambda", "Invoke", TARGET, None, 1, None, TARGET, group)  # type: ignore[arg-type]

    result = run_case(Case(site, "access-denied", "first"), plan=PLAN)

    assert result.injected >= 1
    assert (result.status, result.outcome, result.violations) == ("SUCCEEDED", "clean", [])
