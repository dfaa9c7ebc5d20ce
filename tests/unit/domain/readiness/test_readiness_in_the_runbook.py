"""Readiness and capacity inside the runbook: preflight blocks the automatic path on a critical finding, the plan
step records whether the RPO estimate exceeds the budget, and the inference poll falls back to the plan's other
instance types when the target has no capacity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from evac.domain.ledger import build_record, capacity_used
from evac.domain.models import FINDINGS_CARRIED, Readiness, ReadinessCheck, RecordInput, RunbookInput
from evac.domain.polling import FIRST_LOOK
from evac.domain.ports import EndpointState, Reachability
from evac.domain.readiness import assess
from evac.domain.runbook import check_endpoint, plan_run, preflight, scale_endpoint
from evac.errors import InferenceScaleError, SecondaryNotReadyError
from tests.fakes.ledger import FakeRunLedger

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.clock import FrozenClock
    from tests.fakes.database import FakeGlobalDatabase, FakeReplicationLag
    from tests.fakes.dns import FakeRecordSets, FakeRecordWeights
    from tests.fakes.inference import FakeAutoscaling, FakeEndpoints
    from tests.fakes.ledger import FakeSavedScaling
    from tests.fakes.readiness import FakeRegion

pytestmark = pytest.mark.usefixtures("frozen_clock")
ENDPOINT = "fraud-scoring-xgb"


@pytest.fixture
def readiness(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> Callable[[], Readiness]:
    return lambda: assess(plan, source=primary.reads_as(), target=secondary.reads_as(), records=record_sets)


def request(mode: str) -> RunbookInput:
    return RunbookInput.model_validate({"incident_id": f"drill-{mode}", "mode": mode, "target_region": "us-west-2"})


def decide(request: RunbookInput, plan: RecoveryPlan, database: Any, lag: Any, *, answers: bool) -> Run:
    """plan_run with a primary that answers (or not) and no earlier run of the incident."""
    probe = lambda region: Reachability(answers=answers)  # noqa: E731 - one line, one use
    return plan_run(request, plan, database=database, lag=lag, probe=probe, ledger=FakeRunLedger())


# --- preflight --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["planned", "unplanned"])
def test_preflight_records_the_readiness_report_of_a_ready_target(
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
    readiness: Callable[[], Readiness],
    mode: str,
) -> None:
    run = decide(request(mode), plan, database, lag, answers=True)

    result = preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=readiness)

    assert result.readiness is not None
    assert result.readiness.ready
    assert result.warnings == []


def test_a_critical_finding_blocks_an_unplanned_run_naming_it_when_the_plan_says_abort(
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
    secondary: FakeRegion,
    readiness: Callable[[], Readiness],
) -> None:
    # GIVEN the model artifact never replicated to the target, and a plan that aborts on a critical finding
    secondary.objects.clear()
    plan = plan.model_copy(update={"readiness": plan.readiness.model_copy(update={"on_critical": "abort"})})
    run = decide(request("unplanned"), plan, database, lag, answers=True)

    # WHEN the automatic path reaches preflight
    with pytest.raises(SecondaryNotReadyError) as blocked:
        preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=readiness)

    # THEN it is blocked, naming the finding, and nothing changed
    assert "s3.model_artifact s3://fraud-scoring-models-usw2/fraud-scoring-xgb/model.tar.gz: fail" in str(blocked.value)
    assert database.in_flight is None
    assert target_endpoints.endpoints[ENDPOINT].status == "InService"


def test_a_critical_finding_on_an_unplanned_run_asks_a_person_by_default(
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
    secondary: FakeRegion,
    readiness: Callable[[], Readiness],
) -> None:
    # GIVEN the model artifact never replicated to the target, and the plan's default (readiness.on_critical: approve)
    secondary.objects.clear()
    run = decide(request("unplanned"), plan, database, lag, answers=True)

    # WHEN the automatic path reaches preflight
    result = preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=readiness)

    # THEN it goes on to the approval step (not_ready), naming the finding, and nothing changed
    assert plan.readiness.on_critical == "approve"
    assert "s3.model_artifact s3://fraud-scoring-models-usw2/fraud-scoring-xgb/model.tar.gz: fail" in (
        result.not_ready or ""
    )
    assert database.in_flight is None


def test_a_critical_finding_is_recorded_not_blocking_on_a_planned_run(
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
    secondary: FakeRegion,
    readiness: Callable[[], Readiness],
) -> None:
    secondary.images.clear()
    run = decide(request("planned"), plan, database, lag, answers=True)

    result = preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=readiness)

    # the missing image is critical, and it also ages the target's model state past its budget (a warning)
    assert [w.split(" ", 2)[:2] for w in result.warnings] == [
        ["critical:", "ecr.image_present"],
        ["warning:", "ml.state_lag"],
    ]
    assert result.not_ready is None  # a person started it: nobody to ask again


def test_warnings_and_unknowns_never_block_and_are_recorded(
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
    primary: FakeRegion,
    readiness: Callable[[], Readiness],
) -> None:
    # GIVEN the primary does not answer (the outage itself): every cross-region check is unknown
    primary.down = True
    run = decide(request("unplanned"), plan, database, lag, answers=False)

    result = preflight(run, plan, database=database, endpoints=target_endpoints, records=records, readiness=readiness)

    assert result.warnings
    assert all("unknown" in w for w in result.warnings)


def test_a_target_with_more_findings_than_a_run_carries_gives_the_first_critical_ones_and_counts_the_rest(
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    target_endpoints: FakeEndpoints,
    records: FakeRecordWeights,
    frozen_clock: FrozenClock,
) -> None:
    # GIVEN a target whose 300 endpoints each fail a warning and a critical check (and pass a third)
    def check(endpoint: int, severity: str, status: str) -> ReadinessCheck:
        name = "sagemaker.endpoint_config" if severity == "critical" else "sagemaker.autoscaling"
        return ReadinessCheck(name=name, status=status, severity=severity, resource=f"e{endpoint}", evidence="x" * 200)

    checks = [
        check(e, s, st)
        for e in range(300)
        for s, st in [("warning", "fail"), ("critical", "fail"), ("critical", "pass")]
    ]
    report = Readiness(
        ready=False,
        application=plan.application,
        source_region="us-east-1",
        target_region="us-west-2",
        checked_at=frozen_clock.now(),
        checks=checks,
    )
    run = decide(request("unplanned"), plan, database, lag, answers=True)

    # WHEN preflight reads it
    result = preflight(
        run, plan, database=database, endpoints=target_endpoints, records=records, readiness=lambda: report
    )

    # THEN the run carries the first FINDINGS_CARRIED findings, critical first, and how many more there are
    carried = result.readiness
    assert carried is not None
    assert (carried.checks, len(carried.findings), carried.more) == (900, FINDINGS_CARRIED, 600 - FINDINGS_CARRIED)
    assert {c.severity for c in carried.findings} == {"critical"}
    assert result.warnings[-1] == f"{600 - FINDINGS_CARRIED} more findings: evac readiness lists every check"
    assert len(result.warnings) == FINDINGS_CARRIED + 1
    assert result.not_ready is not None
    assert result.not_ready.count("sagemaker.endpoint_config") == FINDINGS_CARRIED
    assert result.not_ready.endswith(f"; {300 - FINDINGS_CARRIED} more")
    # what the state carries is bounded (the 600 findings' evidence alone is 120 KB), far under Step Functions' 256 KiB
    assert len(result.model_dump_json()) < 32 * 1024


# --- RPO --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "lag_seconds", "over"),
    [("unplanned", 0.85, False), ("unplanned", 75.0, True), ("unplanned", None, True), ("planned", 75.0, False)],
    ids=["within", "above", "unknown-counts-as-above", "switchover-loses-nothing"],
)
def test_the_run_records_whether_its_rpo_estimate_exceeds_the_budget(
    plan: RecoveryPlan,
    database: FakeGlobalDatabase,
    lag: FakeReplicationLag,
    mode: str,
    lag_seconds: float | None,
    over: bool,
) -> None:
    lag.seconds = lag_seconds

    run = decide(request(mode), plan, database, lag, answers=True)

    assert run.rpo_over_budget is over
    assert build_record(RecordInput(run=run), plan=plan).rpo_over_budget is over


# --- capacity fallback ------------------------------------------------------------------------------------------------
@pytest.fixture
def no_capacity_run(run_unplanned: Run, target_endpoints: FakeEndpoints) -> Run:
    target_endpoints.no_capacity.add("ml.g4dn.xlarge")
    return run_unplanned


@pytest.fixture
def run_unplanned(plan: RecoveryPlan, database: FakeGlobalDatabase, lag: FakeReplicationLag) -> Run:
    return decide(request("unplanned"), plan, database, lag, answers=False)


def test_an_endpoint_without_capacity_falls_back_to_the_first_fallback_type(
    no_capacity_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> None:
    # GIVEN the scale-up to 4 x ml.g4dn.xlarge rolled back for lack of capacity
    started = scale_endpoint(
        no_capacity_run, plan, ENDPOINT, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    frozen_clock.advance(360)
    target_endpoints.finish_updates()
    assert target_endpoints.endpoints[ENDPOINT].failure_reason

    # WHEN the poll sees it
    polled = check_endpoint(
        no_capacity_run, plan, started, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    # THEN the endpoint is updated to the first fallback type, autoscaling out of the way, and the poll waits anew
    assert target_endpoints.requested == {ENDPOINT: "ml.g4dn.2xlarge"}
    assert target_endpoints.endpoints[ENDPOINT] == EndpointState(ENDPOINT, "Updating", 1, 4)
    assert ENDPOINT not in autoscaling.floors
    assert polled.done is False
    assert polled.wait_seconds == plan.expectations.endpoint_scale_up_seconds * FIRST_LOOK
    assert polled.detail["instance_type"] == "ml.g4dn.2xlarge"
    assert polled.detail["tried"] == ["ml.g4dn.xlarge"]


def test_a_fallback_that_reaches_capacity_is_done_with_autoscaling_back_and_recorded(
    no_capacity_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> None:
    autoscaling.policies[ENDPOINT] = ["invocations-per-instance"]
    started = scale_endpoint(
        no_capacity_run, plan, ENDPOINT, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    frozen_clock.advance(360)
    target_endpoints.finish_updates()
    falling_back = check_endpoint(
        no_capacity_run, plan, started, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    frozen_clock.advance(360)
    target_endpoints.finish_updates()

    done = check_endpoint(
        no_capacity_run, plan, falling_back, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    assert done.done
    assert target_endpoints.instance_types[ENDPOINT] == "ml.g4dn.2xlarge"
    assert autoscaling.floors[ENDPOINT] == 4
    assert autoscaling.policies[ENDPOINT] == ["invocations-per-instance"]
    used = capacity_used(RecordInput(run=no_capacity_run, promotion=(started, [done])), plan)
    assert [(u.endpoint, u.instance_type, u.instances, u.fallback, u.tried) for u in used] == [
        (ENDPOINT, "ml.g4dn.2xlarge", 4, True, ["ml.g4dn.xlarge"])
    ]


def test_fallbacks_are_tried_in_order_until_none_is_left(
    no_capacity_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
    frozen_clock: FrozenClock,
) -> None:
    target_endpoints.no_capacity |= {"ml.g4dn.2xlarge", "ml.g4dn.4xlarge"}
    poll = scale_endpoint(
        no_capacity_run, plan, ENDPOINT, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    tried = []
    with pytest.raises(InferenceScaleError) as exhausted:  # noqa: PT012 - the loop plays the poll until it gives up
        for _ in range(4):
            frozen_clock.advance(360)
            target_endpoints.finish_updates()
            poll = check_endpoint(
                no_capacity_run, plan, poll, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
            )
            tried.append(target_endpoints.requested.get(ENDPOINT))

    assert tried == ["ml.g4dn.2xlarge", "ml.g4dn.4xlarge"]
    assert "ml.g4dn.xlarge', 'ml.g4dn.2xlarge', 'ml.g4dn.4xlarge" in str(exhausted.value)


def test_a_failed_endpoint_cannot_fall_back(
    no_capacity_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    poll = scale_endpoint(
        no_capacity_run, plan, ENDPOINT, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )
    target_endpoints.endpoints[ENDPOINT] = EndpointState(ENDPOINT, "Failed", 0, 0, "CapacityError")

    with pytest.raises(InferenceScaleError, match="is Failed: CapacityError"):
        check_endpoint(
            no_capacity_run, plan, poll, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
        )


def test_a_capacity_change_still_in_flight_is_not_a_failure(
    no_capacity_run: Run,
    plan: RecoveryPlan,
    target_endpoints: FakeEndpoints,
    autoscaling: FakeAutoscaling,
    saved_scaling: FakeSavedScaling,
) -> None:
    poll = scale_endpoint(
        no_capacity_run, plan, ENDPOINT, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    polled = check_endpoint(
        no_capacity_run, plan, poll, endpoints=target_endpoints, autoscaling=autoscaling, saved=saved_scaling
    )

    assert target_endpoints.requested == {}
    assert "tried" not in polled.detail


def test_the_run_record_says_the_plans_instance_type_served_when_no_fallback_was_needed(
    verified_record: RecordInput, plan: RecoveryPlan
) -> None:
    database, endpoints = verified_record.promotion  # type: ignore[misc]
    served = endpoints[0].model_copy(update={"detail": {"instances": 4}})
    record = build_record(verified_record.model_copy(update={"promotion": (database, [served])}), plan=plan)

    assert [(c.instance_type, c.instances, c.fallback) for c in record.capacity] == [("ml.g4dn.xlarge", 4, False)]
