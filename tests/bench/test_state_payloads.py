"""Every state's input and output stays within Step Functions' 256 KiB payload limit, up to the largest plan evac
accepts (``MAX_ENDPOINTS``). A task's result over it fails the execution past every Catch
(``States.DataLimitExceeded``), so what grows with the application must stay well inside it:

- the readiness report preflight reads (about 1.5 KB an endpoint) is reduced to its findings, the first
  ``FINDINGS_CARRIED`` of them; whole, it made preflight's result pass the limit at some 170 endpoints, with the lock
  taken and nothing recorded or notified;
- the runbook carries preflight's verdict, not even those findings, past the approval gate, and the promotion's
  branches are given the run alone; carried to the end, the report made the record step of a 125-endpoint failover
  exceed the limit after every change was made.

What is left grows by a few lines and polls an endpoint (about 800 bytes): 81 KB at 100 endpoints, 157 KB at 200
(docs/runbook.md, "Payload size")."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evac.domain.plan_inference import MAX_ENDPOINTS
from evac.domain.plan_resources import MAX_RESOURCES
from evacops.drill.engine import run_drill
from evacops.drill.variants import derive
from evacops.localcloud.fidelity import PAYLOAD_LIMIT

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud

FLEET = Path(__file__).resolve().parents[1] / "plans" / "rag-gpu-fleet.yaml"  # one resource of each kind


def test_a_failover_of_the_largest_plan_whose_endpoints_all_fall_back_stays_within_the_payload_limit() -> None:
    # the most a run carries: every endpoint out of capacity in the target, each poll naming the types it tried; and
    # a round of CheckEndpoints falling back for all of them within the function's 30 s (one after another, it ran
    # out of time and the run stopped for completion by hand)
    plan = derive(load_plan(DEFAULT_PLAN), endpoints=MAX_ENDPOINTS)
    seen: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        seen["payloads"] = cloud.truth.state_payloads("us-west-2")
        seen["lock"] = cloud.truth.lock_holder("us-west-2", plan.application)

    report = run_drill("capacity-fallback", plan=plan, inspect=inspect)

    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert len([c for c in report.capacity if c.get("fallback")]) == MAX_ENDPOINTS
    assert report.records
    assert report.notifications
    assert seen["lock"] is None
    payloads: dict[str, int] = seen["payloads"]
    largest = sorted(payloads.items(), key=lambda item: -item[1])[:3]
    # with the readiness report carried whole, preflight's result takes about 1.5 KB an endpoint; carried to the
    # end, the record step of 60 endpoints took 132,615 bytes
    assert max(payloads.values()) < 1024 * MAX_ENDPOINTS, largest
    # room left at the largest plan for longer names than the bench's and for readiness findings
    assert max(payloads.values()) < 0.75 * PAYLOAD_LIMIT, largest


def largest_payload(plan: RecoveryPlan) -> int:
    """The largest state input or output of a primary outage of ``plan``, which must succeed."""
    seen: dict[str, int] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        seen.update(cloud.truth.state_payloads(plan.regions.secondary))

    report = run_drill("primary-outage", plan=plan, inspect=inspect)
    assert report.status == "SUCCEEDED", (report.error, report.cause)
    return max(seen.values())


def test_the_largest_plan_of_resources_stays_within_the_payload_limit_as_each_resource_adds_its_share() -> None:
    # a run carries each resource's poll (about 300 bytes): measured at 1 and 10, it leaves the most a plan may have
    # (98 KB measured at 300) well within the limit
    fleet = load_plan(FLEET)
    one, ten = largest_payload(derive(fleet, resources=1)), largest_payload(derive(fleet, resources=10))
    each = (ten - one) / 9

    assert 0 < each < 600
    assert one + each * MAX_RESOURCES < 0.75 * PAYLOAD_LIMIT
