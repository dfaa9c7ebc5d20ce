"""The scheduled readiness report's faults (the matrix's ``readiness`` group): played in runs of the readiness
function alone, its reads each refused, and the matrix's drills played without its schedule, which changes nothing a
run does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos.matrix import run_matrix
from evacops.chaos.policy import PLAYED_APART, WARNING_READS
from evacops.chaos.sites import chaos_latencies
from evacops.drill.engine import run_drill
from evacops.localcloud.faults import iam_action

if TYPE_CHECKING:
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e

PLAN = load_plan(DEFAULT_PLAN)


def test_a_refused_read_leaves_the_report_not_ready_unless_only_a_warning_needs_it() -> None:
    matrix = run_matrix(scenarios=["readiness"], only=["access-denied"], plan=PLAN, jobs=2, with_controls=False)

    assert len(matrix.results) >= 30  # every read the function makes, in the target, the source and Route 53
    assert [(r.id, r.violations) for r in matrix.results if r.violations] == []
    answers = {(r.action, r.expected, r.status) for r in matrix.results}
    critical = {(a, e) for a, e, _ in answers if e == "not ready"}
    assert ("sagemaker:DescribeEndpoint", "not ready") in critical
    assert ("rds:DescribeGlobalClusters", "not ready", "FAILED") in answers  # no report at all: the alarm breaches
    assert ("servicequotas:ListServiceQuotas", "ready", "SUCCEEDED") in answers
    warned = {r.action for r in matrix.results if r.expected == "ready"}
    assert warned == {iam_action(service, operation) for service, operation in WARNING_READS}


def test_a_drill_plays_the_same_without_the_readiness_schedule() -> None:
    seen = {}
    for skipped in ((), PLAYED_APART):

        def invocations(cloud: LocalCloud, _report: object, skipped: tuple[str, ...] = skipped) -> None:
            names = [cloud.runtime.logical_id(i.function) for i in cloud.runtime.invocations]
            seen[skipped, "readiness runs"] = names.count("ReadinessFunction")

        report = run_drill(
            "primary-outage",
            plan=PLAN,
            latencies=chaos_latencies(PLAN),
            inspect=invocations,
            without_schedules=skipped,
        )
        seen[skipped] = (report.status, report.rto_seconds, report.dns_region, [c.ok for c in report.checks])

    assert seen[(), "readiness runs"] >= 1
    assert seen[PLAYED_APART, "readiness runs"] == 0
    assert seen[()] == seen[PLAYED_APART]
