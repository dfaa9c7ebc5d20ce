"""What each runbook step decides and does, on ports. Every step is idempotent: run again after success, it changes
nothing and succeeds (principle 4). Retries, waits and timeouts live in the ASL, never here.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from evac import clock
from evac.domain.decisions import choose_strategy, estimate_rpo, failover_target
from evac.domain.models import Canary, Check, Poll, Preflight, Run, RunbookInput, Standby, Verification
from evac.errors import (
    AlreadyActiveError,
    InferenceScaleError,
    PlanError,
    PreflightFailedError,
    SecondaryNotReadyError,
    VerificationFailedError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import Readiness
    from evac.domain.plan import Endpoint, RecoveryPlan
    from evac.domain.ports import (
        Autoscaling,
        CapacityFallback,
        Endpoints,
        EndpointState,
        GlobalDatabase,
        ReplicationLag,
        ScalingRegistry,
        WeightedRecords,
    )
    from evac.domain.ports import Canary as CanaryPort

FULL_WEIGHT = 100
# Once a change is overdue, poll this often (seconds): little time lost after it completes, few state transitions.
POLL_FLOOR = {"database": 5, "inference": 5, "dns": 2}
# How SageMaker says it could not get the instances (FailureReason of an endpoint whose update failed): no capacity
# for the type in the region, or the account's limit for it. Either way another instance type may serve.
CAPACITY_FAILURE = re.compile(r"capacity|ResourceLimitExceeded", re.IGNORECASE)


def plan_run(
    request: RunbookInput,
    plan: RecoveryPlan,
    *,
    database: GlobalDatabase,
    lag: ReplicationLag,
    primary_answers: Callable[[str], bool],
) -> Run:
    """Decide the run: where from, where to, switchover or failover, and the data it may lose."""
    started_at = clock.now()
    state = database.global_state(plan.database.global_cluster)
    if request.target_region is not None:
        target = request.target_region
        if target not in plan.regions.both:
            raise PlanError(f"target_region {target!r} is not one of the plan's regions {list(plan.regions.both)}")
    else:
        target = failover_target(plan.regions.primary, plan.regions.secondary, state.writer_region)
    if state.writer_region == target:
        raise AlreadyActiveError(f"{target} already holds the writer of {plan.database.global_cluster}")
    source = plan.peer(target)
    strategy = choose_strategy(request.mode, primary_answers=request.mode != "unplanned" and primary_answers(source))
    rpo = estimate_rpo(strategy, lag.lag_seconds(plan.database.clusters[target]))
    over_budget = request.mode == "unplanned" and (rpo is None or rpo > plan.rpo_budget_seconds)
    return Run(
        incident_id=request.incident_id,
        application=plan.application,
        mode=request.mode,
        strategy=strategy,
        source_region=source,
        target_region=target,
        detected_at=request.detected_at or started_at,
        started_at=started_at,
        rpo_seconds=rpo,
        rpo_over_budget=over_budget,
        approval_required=request.mode != "dry-run"
        and (request.approval == "required" or (request.approval is None and over_budget)),
        approval_timeout_seconds=plan.approval_timeout_seconds,
        predicted_rto_seconds=predicted_rto(plan, strategy),
        reason=request.reason,
    )


def predicted_rto(plan: RecoveryPlan, strategy: str) -> float:
    """What a run should take by the plan's expectations: the slower of promotion and scale-up, then DNS."""
    expected = plan.expectations
    scaling = any(e.standby_instances < e.active_instances for e in plan.inference.endpoints)
    database = expected.database_promotion_seconds * (1.5 if strategy == "switchover" else 1.0)
    inference = expected.endpoint_scale_up_seconds if scaling else 0
    return float(max(database, inference) + expected.dns_propagation_seconds)


def preflight(
    run: Run,
    plan: RecoveryPlan,
    *,
    database: GlobalDatabase,
    endpoints: Endpoints,
    records: WeightedRecords,
    readiness: Callable[[], Readiness],
) -> Preflight:
    """Check that the target can be promoted before anything changes; fail naming every check that did not pass.

    Then assess readiness: on the automatic path (an unplanned run) a critical finding blocks the run with
    ``SecondaryNotReadyError`` naming it; otherwise, and for warnings, findings are recorded in the output.
    """
    started_at = clock.now()
    cluster = plan.database.clusters[run.target_region]
    status = database.cluster_status(cluster)
    checks = [Check(name="rds.target_cluster", ok=status == "available", detail=f"{cluster} is {status}")]
    for endpoint in plan.inference.endpoints:
        state = endpoints.state(endpoint.name, endpoint.variant)
        detail = f"{endpoint.name} is {state.status}" if state else f"{endpoint.name} does not exist"
        checks.append(Check(name=f"sagemaker.endpoint:{endpoint.name}", ok=state is not None, detail=detail))
    weights = records.weights(plan.dns.hosted_zone, plan.dns.record_name, plan.dns.record_type)
    target_set = plan.dns.set_identifiers[run.target_region]
    checks.append(
        Check(
            name="route53.record",
            ok=target_set in weights,
            detail=f"{plan.dns.record_name} set {target_set!r} {'exists' if target_set in weights else 'is missing'}",
        )
    )
    if failed := [c for c in checks if not c.ok]:
        raise PreflightFailedError("; ".join(f"{c.name}: {c.detail}" for c in failed))
    report = readiness()
    if report.blocking and run.mode == "unplanned":
        raise SecondaryNotReadyError(
            f"{run.target_region} cannot serve {plan.application} as {run.source_region} does: "
            + "; ".join(c.summary() for c in report.blocking)
        )
    return Preflight(
        checks=checks,
        readiness=report,
        warnings=[f"{c.severity}: {c.summary()}" for c in report.findings],
        started_at=started_at,
        ended_at=clock.now(),
    )


def promote_database(run: Run, plan: RecoveryPlan, *, database: GlobalDatabase) -> Poll:
    """Start the switchover or failover of the global cluster to the target, unless it is done or under way."""
    started_at = clock.now()
    global_cluster = plan.database.global_cluster
    state = database.global_state(global_cluster)
    detail = {"strategy": run.strategy, "global_cluster": global_cluster}
    if state.writer_region == run.target_region:
        return Poll(started_at=started_at, done=True, ended_at=started_at, detail=detail | {"already": True})
    expected = plan.expectations.database_promotion_seconds
    if state.promoting_to != run.target_region:
        target_arn = database.cluster_arn(plan.database.clusters[run.target_region])
        if run.strategy == "switchover":
            database.switchover(global_cluster, target_arn)
        else:
            database.failover(global_cluster, target_arn)
    return Poll(started_at=started_at, wait_seconds=expected, detail=detail)


def check_database(run: Run, plan: RecoveryPlan, poll: Poll, *, database: GlobalDatabase) -> Poll:
    state = database.global_state(plan.database.global_cluster)
    done = state.writer_region == run.target_region and state.promoting_to is None
    expected = plan.expectations.database_promotion_seconds
    return _polled(poll, "database", expected, done=done, writer_region=state.writer_region, status=state.status)


def scale_inference(run: Run, plan: RecoveryPlan, *, endpoints: Endpoints, autoscaling: Autoscaling) -> Poll:
    """Raise every target endpoint to its active capacity; the autoscaling floor first, so it cannot scale back in."""
    started_at = clock.now()
    serving = True
    for endpoint in plan.inference.endpoints:
        autoscaling.raise_min_capacity(endpoint.name, endpoint.variant, endpoint.active_instances)
        state = endpoints.state(endpoint.name, endpoint.variant)
        if state is None:
            raise PreflightFailedError(f"endpoint {endpoint.name} does not exist in {run.target_region}")
        if state.desired_instances < endpoint.active_instances and state.status == "InService":
            endpoints.set_instances(endpoint.name, endpoint.variant, endpoint.active_instances)
        serving &= state.status == "InService" and state.instances >= endpoint.active_instances
    detail = {"endpoints": [e.name for e in plan.inference.endpoints]}
    if serving:  # already at capacity (a failback to a region that kept it): nothing to wait for
        return Poll(started_at=started_at, done=True, ended_at=started_at, detail=detail | {"already": True})
    return Poll(started_at=started_at, wait_seconds=plan.expectations.endpoint_scale_up_seconds, detail=detail)


def check_inference(
    run: Run, plan: RecoveryPlan, poll: Poll, *, endpoints: CapacityFallback, autoscaling: ScalingRegistry
) -> Poll:
    """Are the target endpoints InService at capacity? An endpoint whose scale-up failed for lack of capacity falls
    back to the next of its ``fallback_instance_types`` (``fall_back``); the poll records what each one serves on.
    """
    ready: dict[str, int] = {}
    fallback = _Fallback(poll.detail)
    restarted = False
    for endpoint in plan.inference.endpoints:
        state = endpoints.state(endpoint.name, endpoint.variant)
        if state and state.status == "InService" and state.instances >= endpoint.active_instances:
            if endpoint.name in fallback.suspended:  # a fallback completed: autoscaling back on the new type
                saved = fallback.suspended.pop(endpoint.name)
                autoscaling.resume(endpoint.name, endpoint.variant, saved, endpoint.active_instances)
            ready[endpoint.name] = state.instances
        elif state is not None and _out_of_capacity(state, run):
            fall_back(run, endpoint, state, fallback, endpoints=endpoints, autoscaling=autoscaling)
            restarted = True
    done = len(ready) == len(plan.inference.endpoints)
    expected = plan.expectations.endpoint_scale_up_seconds
    if restarted:
        fallback.since = clock.now().isoformat()
    since = datetime.fromisoformat(fallback.since) if fallback.since else None
    return _polled(
        poll, "inference", expected, done=done, since=since, ready=ready, region=run.target_region, **fallback.detail()
    )


class _Fallback:
    """What a run's capacity fallbacks have done so far, kept in the inference poll's ``detail``."""

    def __init__(self, detail: dict[str, Any]) -> None:
        self.serving: dict[str, str] = dict(detail.get("instance_types", {}))  # endpoint -> fallback type it serves on
        self.tried: dict[str, list[str]] = {k: list(v) for k, v in detail.get("tried", {}).items()}
        self.suspended: dict[str, Any] = dict(detail.get("suspended", {}))  # endpoint -> autoscaling to put back
        self.since: str | None = detail.get("fallback_started_at")  # the latest fallback's start: its scale-up clock

    def detail(self) -> dict[str, Any]:
        if not self.tried:
            return {}
        return {
            "instance_types": self.serving,
            "tried": self.tried,
            "suspended": self.suspended,
            "fallback_started_at": self.since,
        }


def _out_of_capacity(state: EndpointState, run: Run) -> bool:
    if state.status == "Failed":  # only DeleteEndpoint is possible on a Failed endpoint: nothing to fall back on
        raise InferenceScaleError(f"{state.name} in {run.target_region} is Failed: {state.failure_reason}")
    return state.status == "InService" and bool(state.failure_reason and CAPACITY_FAILURE.search(state.failure_reason))


def fall_back(
    run: Run,
    endpoint: Endpoint,
    state: EndpointState,
    fallback: _Fallback,
    *,
    endpoints: CapacityFallback,
    autoscaling: ScalingRegistry,
) -> str:
    """Serve ``endpoint`` on the next instance type of the plan that has not failed for lack of capacity.

    SageMaker refuses to change the instance type of a variant registered with Application Auto Scaling, so the
    variant is deregistered first and registered again (with its policies) once it serves at capacity.
    """
    failed = fallback.serving.get(endpoint.name, endpoint.instance_type)
    tried = fallback.tried.setdefault(endpoint.name, [])
    if failed not in tried:
        tried.append(failed)
    remaining = [t for t in endpoint.fallback_instance_types if t not in tried]
    if not remaining:
        raise InferenceScaleError(
            f"{endpoint.name} in {run.target_region} cannot reach {endpoint.active_instances} instances on any of "
            f"{tried}: {state.failure_reason}"
        )
    if endpoint.name not in fallback.suspended:
        fallback.suspended[endpoint.name] = autoscaling.suspend(endpoint.name, endpoint.variant)
    endpoints.use_instance_type(endpoint.name, endpoint.variant, remaining[0], endpoint.active_instances)
    fallback.serving[endpoint.name] = remaining[0]
    return remaining[0]


def desired_weights(run: Run, plan: RecoveryPlan) -> dict[str, int]:
    """All traffic to the target's record set, none to the source's."""
    return {
        plan.dns.set_identifiers[run.target_region]: FULL_WEIGHT,
        plan.dns.set_identifiers[run.source_region]: 0,
    }


def shift_dns(run: Run, plan: RecoveryPlan, *, records: WeightedRecords) -> Poll:
    """Move the weight to the target. Only ever reached after database and inference were verified (principle 2)."""
    started_at = clock.now()
    wanted = desired_weights(run, plan)
    current = records.weights(plan.dns.hosted_zone, plan.dns.record_name, plan.dns.record_type)
    if all(current.get(k) == v for k, v in wanted.items()):
        return Poll(started_at=started_at, done=True, ended_at=started_at, detail={"weights": wanted, "already": True})
    change_id = records.set_weights(plan.dns.hosted_zone, plan.dns.record_name, plan.dns.record_type, wanted)
    wait = plan.expectations.dns_propagation_seconds
    return Poll(started_at=started_at, ref=change_id, wait_seconds=wait, detail={"weights": wanted})


def check_dns(plan: RecoveryPlan, poll: Poll, *, records: WeightedRecords) -> Poll:
    done = poll.ref is None or records.change_done(poll.ref)
    return _polled(poll, "dns", plan.expectations.dns_propagation_seconds, done=done)


def verify(
    run: Run,
    plan: RecoveryPlan,
    dns: Poll,
    *,
    database: GlobalDatabase,
    canary: CanaryPort,
    records: WeightedRecords,
) -> Verification:
    """Prove the target serves: it holds the writer, every canary answers within its limit, DNS points at it."""
    started_at = clock.now()
    problems: list[str] = [] if dns.done else ["the DNS change has not propagated (not INSYNC)"]
    writer = database.global_state(plan.database.global_cluster).writer_region
    if writer != run.target_region:
        problems.append(f"writer is in {writer}, not {run.target_region}")
    canaries = []
    for endpoint in plan.inference.endpoints:
        result = canary.invoke(endpoint.name, endpoint.canary.body, endpoint.canary.content_type)
        ok = result.ok and result.latency_ms <= endpoint.canary.max_latency_ms
        canaries.append(
            Canary(
                endpoint=endpoint.name,
                region=run.target_region,
                latency_ms=round(result.latency_ms, 2),
                limit_ms=endpoint.canary.max_latency_ms,
                ok=ok,
            )
        )
        if not ok:
            problems.append(
                f"canary {endpoint.name}: {result.detail or 'answered'} in {result.latency_ms:.0f} ms "
                f"(limit {endpoint.canary.max_latency_ms} ms)"
            )
    weights = records.weights(plan.dns.hosted_zone, plan.dns.record_name, plan.dns.record_type)
    if any(weights.get(k) != v for k, v in desired_weights(run, plan).items()):
        problems.append(f"DNS weights are {weights}, expected {desired_weights(run, plan)}")
    if problems:
        raise VerificationFailedError("; ".join(problems))
    return Verification(
        writer_region=run.target_region,
        dns_region=run.target_region,
        weights=weights,
        canaries=canaries,
        started_at=started_at,
        ended_at=clock.now(),
    )


def next_wait(poll: Poll, kind: str, expected_seconds: int, *, since: datetime | None = None) -> int:
    """Sleep until the change started at ``since`` (default: the poll's start) is expected to be done, then poll
    every ``POLL_FLOOR[kind]`` seconds.

    >>> from datetime import timedelta
    >>> next_wait(Poll(started_at=clock.now() - timedelta(seconds=20)), "inference", 360)
    340
    """
    remaining = expected_seconds - (clock.now() - (since or poll.started_at)).total_seconds()
    return max(POLL_FLOOR[kind], math.ceil(remaining))


def stand_by(run: Run, plan: RecoveryPlan, *, endpoints: Endpoints, autoscaling: Autoscaling) -> Standby:
    """After a planned move, return the old active region to warm standby: its autoscaling floor and instance count
    drop to the plan's standby capacity. Scale-in finishes in the background; nothing waits for it."""
    started_at = clock.now()
    lowered: dict[str, int] = {}
    for endpoint in plan.inference.endpoints:
        floor = max(endpoint.standby_instances, 1)
        autoscaling.set_min_capacity(endpoint.name, endpoint.variant, floor)
        state = endpoints.state(endpoint.name, endpoint.variant)
        if state is not None and state.status == "InService" and state.desired_instances > floor:
            endpoints.set_instances(endpoint.name, endpoint.variant, floor)
        lowered[endpoint.name] = floor
    return Standby(region=run.source_region, endpoints=lowered, started_at=started_at, ended_at=clock.now())


def _polled(
    poll: Poll, kind: str, expected_seconds: int, *, done: bool, since: datetime | None = None, **detail: object
) -> Poll:
    """The next state of a poll loop: one more attempt, the next wait, and the moment it was seen done."""
    return poll.model_copy(
        update={
            "attempt": poll.attempt + 1,
            "done": done,
            "ended_at": clock.now() if done else None,
            "wait_seconds": next_wait(poll, kind, expected_seconds, since=since),
            "detail": poll.detail | detail,
        }
    )
