"""ARC Region switch on the local cloud (``fidelity.arc_region_switch``) playing evac's exported plan: what fails it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from evacops.drill import run_drill
from evacops.drill.scenarios_arc import exported
from evacops.localcloud.fidelity.arc_region_switch import RegionSwitch, skipped

if TYPE_CHECKING:
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e


def test_when_arc_never_moves_the_writer_evacs_verification_fails_the_execution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a Region switch that skips its Aurora block: the writer stays in the primary (a seeded violation)
    created = RegionSwitch.__init__

    def without_aurora(switch: RegionSwitch, *args: Any, **kwargs: Any) -> None:
        created(switch, *args, **kwargs)
        switch.blocks["AuroraGlobalDatabase"] = skipped

    monkeypatch.setattr(RegionSwitch, "__init__", without_aurora)

    # WHEN the ARC switchover drill plays
    report = run_drill("arc-switchover")

    # THEN evac's verify step fails the execution, and the drill says it did not end as expected
    assert report.writer_region == "us-east-1"
    assert (report.status, report.error) == ("FAILED", "VerificationFailedError")
    assert "writer" in (report.cause or "").lower()
    assert not report.expected
    failed = {c.name for c in report.checks if not c.ok}
    assert {"status", "writer_region", "arc_execution"} <= failed


def test_a_block_the_local_cloud_does_not_model_fails_the_execution_before_anything_changes(
    cloud: LocalCloud,
) -> None:
    request = exported(cloud)
    workflow = next(w for w in request["workflows"] if w["workflowTargetRegion"] == "us-west-2")
    workflow["steps"].insert(
        0,
        {
            "name": "scale-ecs",
            "executionBlockType": "ECSServiceScaling",
            "executionBlockConfiguration": {"ecsCapacityIncreaseConfig": {"services": []}},
        },
    )

    execution = cloud.region_switch.start(cloud.region_switch.create_plan(request), "us-west-2")

    assert (execution.status, execution.error) == ("failed", "UnsupportedBlock")
    assert "ECSServiceScaling" in (execution.cause or "")
    assert [s.name for s in execution.steps] == ["scale-ecs"]
    assert cloud.writer_region() == cloud.dns_region() == "us-east-1"
    assert not [i for i in cloud.runtime.invocations if i.function.endswith("ArcActionFunction")]
