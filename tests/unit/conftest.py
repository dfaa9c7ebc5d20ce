"""Fixtures of the domain's unit tests: the in-memory fakes of ``tests.fakes`` seeded as the bundled plan's
application runs (us-east-1 writes and serves, us-west-2 keeps a warm standby), and sample runs and records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from evac.domain.models import Poll, Preflight, RecordInput, Run, TrafficStep, Verification
from evac.domain.ports import (
    EndpointState,
)
from tests.fakes.clock import at
from tests.fakes.database import FakeGlobalDatabase, FakeReplicationLag
from tests.fakes.dns import FakeRecordSets, FakeRecordWeights
from tests.fakes.inference import FakeAutoscaling, FakeCanaryInvoker, FakeEndpoints
from tests.fakes.ledger import FakeSavedScaling
from tests.fakes.readiness import FakeRegion, fake_region

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan


@pytest.fixture
def database(plan: RecoveryPlan) -> FakeGlobalDatabase:
    return FakeGlobalDatabase(clusters=dict(plan.database.clusters), writer_region=plan.regions.primary)


@pytest.fixture
def lag() -> FakeReplicationLag:
    return FakeReplicationLag()


@pytest.fixture
def autoscaling(plan: RecoveryPlan) -> FakeAutoscaling:
    return FakeAutoscaling({e.name: e.standby_instances for e in plan.inference.endpoints})


@pytest.fixture
def saved_scaling() -> FakeSavedScaling:
    """The runs table's record of autoscaling a capacity fallback deregistered."""
    return FakeSavedScaling()


@pytest.fixture
def target_endpoints(plan: RecoveryPlan, autoscaling: FakeAutoscaling) -> FakeEndpoints:
    """The secondary's endpoints at their warm-standby capacity, on the plan's instance types."""
    return FakeEndpoints(
        {
            e.name: EndpointState(e.name, "InService", e.standby_instances, e.standby_instances)
            for e in plan.inference.endpoints
        },
        instance_types={e.name: e.instance_type for e in plan.inference.endpoints},
        scaling=autoscaling,
    )


@pytest.fixture
def canary() -> FakeCanaryInvoker:
    return FakeCanaryInvoker()


@pytest.fixture
def records(plan: RecoveryPlan) -> FakeRecordWeights:
    ids = plan.dns.set_identifiers
    return FakeRecordWeights({ids[plan.regions.primary]: 100, ids[plan.regions.secondary]: 0})


@pytest.fixture
def failover_run() -> Run:
    """An unplanned failover to us-west-2 whose first ALARM was at 10:07:00, planned a minute later."""
    return Run(
        incident_id="fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z",
        application="fraud-scoring",
        mode="unplanned",
        strategy="failover",
        source_region="us-east-1",
        target_region="us-west-2",
        detected_at=at(7),
        started_at=at(8),
        rpo_seconds=0.85,
        predicted_rto_seconds=420.0,
        endpoints=["fraud-scoring-xgb"],
        reason="alarm fraud-scoring-inference-5xx entered ALARM in us-east-1",
    )


@pytest.fixture
def verified_record(failover_run: Run) -> RecordInput:
    """Everything a successful run produced: prepare 5 s, database 65 s ∥ inference 360 s, DNS 60 s, verify 2 s."""
    return RecordInput(
        run=failover_run,
        preflight=Preflight(checks=[], started_at=at(8, 1), ended_at=at(8, 5)),
        promotion=(
            Poll(started_at=at(8, 5), attempt=2, done=True, ended_at=at(9, 10)),
            [Poll(started_at=at(8, 5), attempt=1, done=True, ended_at=at(14, 5), ref="fraud-scoring-xgb")],
        ),
        dns=Poll(started_at=at(14, 6), attempt=1, done=True, ended_at=at(15, 6), ref="/change/C1"),
        verification=Verification(
            writer_region="us-west-2",
            dns_region="us-west-2",
            weights={"fraud-scoring-usw2": 100, "fraud-scoring-use1": 0},
            canaries=[],
            started_at=at(15, 6),
            ended_at=at(15, 8),
            steps=[
                TrafficStep(weight=100, capacity=100, shifted_at=at(14, 6), insync_at=at(15, 6), verified_at=at(15, 8))
            ],
        ),
    )


@pytest.fixture
def ramped_record(verified_record: RecordInput) -> RecordInput:
    """A run whose traffic followed capacity: the warm standby took 25% once the database was promoted (10:09:10),
    then 50, 75 and 100% as the new instances came into service; the endpoint poll never finished (nothing waited)."""
    database, endpoints = verified_record.promotion or (None, [])
    assert database is not None
    ramp = [(25, (9, 11), (10, 11), (10, 13)), (50, (12, 15), (13, 15), (13, 17)), (75, (13, 20), (14, 20), (14, 22))]
    ramp += [(100, (14, 25), (15, 25), (15, 27))]
    steps = [
        TrafficStep(weight=w, capacity=w, shifted_at=at(*shifted), insync_at=at(*insync), verified_at=at(*verified))
        for w, shifted, insync, verified in ramp
    ]
    unfinished = [endpoints[0].model_copy(update={"done": False, "ended_at": None})]
    assert verified_record.verification is not None
    return verified_record.model_copy(
        update={
            "promotion": (database, unfinished),
            "verification": verified_record.verification.model_copy(
                update={"steps": steps, "started_at": at(15, 25), "ended_at": at(15, 27)}
            ),
        }
    )


# --- readiness --------------------------------------------------------------------------------------------------------


@pytest.fixture
def primary(plan: RecoveryPlan) -> FakeRegion:
    return fake_region(plan, plan.regions.primary)


@pytest.fixture
def secondary(plan: RecoveryPlan) -> FakeRegion:
    return fake_region(plan, plan.regions.secondary)


@pytest.fixture
def record_sets(plan: RecoveryPlan) -> FakeRecordSets:
    ids = {set_id: f"hc-{set_id}" for set_id in plan.dns.set_identifiers.values()}
    return FakeRecordSets(dict(ids), {i for i in ids.values() if i})
