"""Every state's input and output stays within Step Functions' 256 KiB payload limit as the application grows. The
readiness report preflight reads (about 1.5 KB an endpoint) is for whoever approves the run: the runbook carries it
no further than the approval gate, and the promotion's branches are given the run alone. Carried to the end, it made
the record step of a 125-endpoint failover exceed the limit after every change was made: the execution failed with
``States.DataLimitExceeded``, which no Catch handles, with the ledger saying SUCCEEDED, the outcome never notified
and the lock held. Past the gate, what grows with the endpoints is a few lines and polls each (about 800 bytes):
measured at 60 endpoints here, within the limit up to some 300 (preflight's own output, the report, up to some 170:
docs/runbook.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.drill.engine import run_drill
from evacops.drill.variants import derive
from evacops.localcloud.fidelity import PAYLOAD_LIMIT

if TYPE_CHECKING:
    from evacops.drill.report import DrillReport
    from evacops.localcloud import LocalCloud

# The states that see the whole readiness report: preflight itself, the approval gate after it, and the state that
# leaves the report behind (entered with it).
GATE = {"Preflight", "Route", "RequestApproval", "NotApproved", "SecondaryNotReady", "KeepPreflightVerdict"}
ENDPOINTS = 60


def test_past_the_approval_gate_a_state_carries_under_a_kilobyte_an_endpoint_and_the_run_ends_recorded() -> None:
    plan = derive(load_plan(DEFAULT_PLAN), endpoints=ENDPOINTS)
    seen: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        seen["payloads"] = cloud.truth.state_payloads("us-west-2")
        seen["lock"] = cloud.truth.lock_holder("us-west-2", plan.application)

    report = run_drill("primary-outage", plan=plan, inspect=inspect)

    assert report.status == "SUCCEEDED", (report.error, report.cause)
    assert report.records
    assert report.notifications
    assert seen["lock"] is None
    payloads: dict[str, int] = seen["payloads"]
    assert max(payloads.values()) < PAYLOAD_LIMIT
    after = {name: size for name, size in payloads.items() if name not in GATE}
    # 132,615 bytes at the record step when the report was carried to the end
    assert max(after.values()) < 1024 * ENDPOINTS, sorted(after.items(), key=lambda item: -item[1])[:3]
