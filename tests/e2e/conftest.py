"""Drills played once per session, with what the local cloud recorded of them (every AWS call, by whom), shared by
the tests that assert their outcomes and the least-privilege proof."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import boto3
import pytest
from filelock import FileLock

from evac.domain.plan import load_plan
from evacops.chaos.invariants import end_state
from evacops.drill import run_drill
from evacops.drill.scenarios import Options
from evacops.localcloud import LocalCloud
from evacops.stack import readiness_function as readiness

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evacops.drill import DrillReport
    from evacops.localcloud.faults import Call

RAG_PLAN = Path(__file__).resolve().parents[2] / "functions" / "evac" / "plans" / "rag-assistant.yaml"
FLEET_PLAN = Path(__file__).resolve().parents[1] / "plans" / "rag-gpu-fleet.yaml"
# Between them, these make every call the functions and the state machines can make: the trigger and its watch (one
# held back), the runbook planned and unplanned, its failure paths, and game days answered through the approval
# function, and a Region switch execution running evac's custom actions. Label -> (scenario, options).
RECORDED = {
    "primary-outage": ("primary-outage", Options()),
    "planned-switchover": ("planned-switchover", Options()),
    "region-blackout": ("region-blackout", Options()),
    "capacity-shortfall": ("capacity-shortfall", Options()),
    "failover-rejected": ("failover-rejected", Options()),
    "secondary-also-alarming": ("secondary-also-alarming", Options()),
    "game-day-approved": ("game-day", Options(console=True, approve_after=30)),
    "game-day-rejected": ("game-day", Options(console=True, approve_after=30, reject=True)),
    "secondary-not-ready": ("secondary-not-ready", Options()),
    "capacity-fallback": ("capacity-fallback", Options()),
    "control-plane-outage": ("control-plane-outage", Options()),
    "control-plane-outage-planned": ("control-plane-outage-planned", Options()),
    "throttled-signals": ("throttled-signals", Options()),
    # the recovery kinds (RecoverResources): a plan with resources, unplanned and planned (its source switched off)
    "rag-primary-outage": ("primary-outage", Options(), RAG_PLAN),
    "rag-planned-switchover": ("planned-switchover", Options(), RAG_PLAN),
    "rag-region-blackout": ("region-blackout", Options(), RAG_PLAN),  # the primary dark: no call answers there
    "rag-failback": ("failback", Options(), RAG_PLAN),  # out to the secondary, then planned back to the primary
    # the GPU fleet (autoscaling-group) and the cache warmer (custom, a Lambda function the runbook invokes)
    "fleet-primary-outage": ("primary-outage", Options(), FLEET_PLAN),
    "fleet-planned-switchover": ("planned-switchover", Options(), FLEET_PLAN),  # its rule disabled in the source
    "arc-switchover": ("arc-switchover", Options()),  # ARC Region switch invoking ArcActionFunction
}


@dataclass
class Drilled:
    report: DrillReport
    calls: list[Call] = field(default_factory=list)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)  # region -> the stack's parameters
    runbooks: dict[str, str] = field(default_factory=dict)  # region -> the runbook's ARN
    # what the run left behind, by the fault matrix's end-state invariants (one writer, DNS at it, capacity, lock
    # released, run record and notification): every violation, from the local cloud's ground truth
    violations: list[str] = field(default_factory=list)


def play(scenario: str, options: Options | None = None, plan: Path | None = None) -> Drilled:
    kept: dict[str, Any] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        kept["calls"] = list(cloud.faults.calls)
        kept["parameters"] = {r: cloud.parameters(r, cloud.zone_id) for r in cloud.plan.vantages}  # witness too
        kept["runbooks"] = {r: cloud.stacks[r].runbook_arn for r in cloud.plan.regions.both}
        kept["violations"] = end_state(cloud, report, expect_run=report.executions > 0).violations

    report = run_drill(scenario, plan=load_plan(plan) if plan else None, options=options, inspect=inspect)
    return Drilled(report, kept["calls"], kept["parameters"], kept["runbooks"], kept["violations"])


def scheduled_readiness() -> Drilled:
    """The readiness function run as its schedule runs it, in the secondary's stack (its calls recorded)."""
    with LocalCloud() as cloud:
        region = cloud.plan.regions.secondary
        readiness.invoke(boto3.client("lambda", region), cloud.stacks[region].function_arns[readiness.FUNCTION])
        parameters = {r: cloud.parameters(r, cloud.zone_id) for r in cloud.plan.regions.both}
        runbooks = {r: cloud.stacks[r].runbook_arn for r in cloud.plan.regions.both}
        return Drilled(cast("DrillReport", None), list(cloud.faults.calls), parameters, runbooks)


class Drills(Mapping[str, Drilled]):
    """Each recorded scenario and the scheduled readiness check, played the first time a test reads it, once per run:
    under pytest-xdist the first worker to read one plays it and leaves it in ``shared`` (a folder every worker of
    the run sees), and the others read it from there instead of playing it again (the least-privilege proof reads
    them all, and the files that read some run on another worker)."""

    READINESS: ClassVar[str] = "readiness-schedule"

    def __init__(self, shared: Path | None = None) -> None:
        self._played: dict[str, Drilled] = {}
        self._shared = shared

    def __getitem__(self, label: str) -> Drilled:
        if label not in self._played:
            self._played[label] = self._play(label) if self._shared is None else self._once_per_run(label, self._shared)
        return self._played[label]

    def _play(self, label: str) -> Drilled:
        return scheduled_readiness() if label == self.READINESS else play(*RECORDED[label])

    def _once_per_run(self, label: str, shared: Path) -> Drilled:
        shared.mkdir(exist_ok=True)
        kept = shared / f"{label}.pickle"
        with FileLock(kept.with_suffix(".lock")):  # a worker that reads it while another plays it waits for it
            if kept.exists():
                return cast("Drilled", pickle.loads(kept.read_bytes()))  # written by this run
            played = self._play(label)
            kept.write_bytes(pickle.dumps(played))
            return played

    def __iter__(self) -> Iterator[str]:
        return iter([*RECORDED, self.READINESS])

    def __len__(self) -> int:
        return len(RECORDED) + 1


@pytest.fixture(scope="session")
def drilled(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Drills:
    """Each recorded scenario, played once per run (when first read), and the scheduled readiness check."""
    # pytest-xdist's way to a session fixture made once for all workers: its workers' temporary folders share a parent
    return Drills(None if worker_id == "master" else tmp_path_factory.getbasetemp().parent / "drilled")


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    """A local cloud of its own for one test, with the default plan."""
    with LocalCloud() as local:
        yield local
