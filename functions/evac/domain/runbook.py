"""What each runbook step decides and does, on ports. Every step is idempotent: run again after success, it changes
nothing and succeeds (principle 4). Retries, waits and timeouts live in the ASL, never here.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from evac import clock
from evac.domain.decisions import choose_strategy, estimate_rpo, failover_target
from evac.domain.dns_switch import choose_mechanism, control_plane_unavailable, urgency
from evac.domain.escalation import finish_by_hand
from evac.domain.fallback import Fallback, fall_back, out_of_capacity, restore_scaling
from evac.domain.fanout import each
from evac.domain.models import FINDINGS_CARRIED, Poll, Preflight, PreflightCheck, Run, RunbookInput, Standby
from evac.domain.polling import first_wait, polled, whole_second
from evac.domain.timing import critical_path_seconds
from evac.errors import (
    AlreadyActiveError,
    AwsTransientError,
    ControlPlaneUnavailableError,
    MetricUnavailableError,
    PlanError,
    PreflightFailedError,
    SecondaryNotReadyError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import Readiness, Strategy
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import (
        Autoscaling,
        CapacityFallback,
        Endpoints,
        EndpointState,
        GlobalDatabase,
        Reachability,
        RecordWeights,
        ReplicationLag,
        RunLedger,
        SavedScaling,
        ScalingRegistry,
    )


def plan_run(
    request: RunbookInput,
    plan: RecoveryPlan,
    *,
    database: GlobalDatabase,
    lag: ReplicationLag,
    probe: Callable[[str], Reachability],
    ledger: RunLedger,
    final_attempt: bool = True,
) -> Run:
    """Decide the run: where from, where to, switchover or failover, and the data it may lose.

    A run to the region that already writes is refused (``AlreadyActiveError``) unless an earlier run of the same
    incident went there: then this run resumes it, keeping its strategy, first alarm and RPO, and every later step
    finds done what was done (principle 4).

    The replication lag is evidence, not a need: a transient failure to read it is retried by the runbook
    (``AwsTransientError``) unless this is its ``final_attempt``; then, and on a refusal, the RPO is unknown and the
    run says why in its warnings.
    """
    started_at = clock.now()
    state = database.global_state(plan.database.global_cluster)
    if request.target_region is not None:
        target = request.target_region
        if target not in plan.regions.both:
            raise PlanError(f"target_region {target!r} is not one of the plan's regions {list(plan.regions.both)}")
    else:
        target = failover_target(plan.regions.primary, plan.regions.secondary, state.writer_region)
    prior = ledger.prior_run(request.incident_id)
    resumes = prior if prior is not None and prior.target_region == target else None
    if state.writer_region == target and resumes is None:
        raise AlreadyActiveError(
            f"{target} already holds the writer of {plan.database.global_cluster} and incident"
            f" {request.incident_id} has no earlier run to it to resume"
        )
    source = plan.peer(target)
    warnings: list[str] = []
    if resumes is not None and resumes.strategy in ("switchover", "failover") and state.writer_region == target:
        strategy: Strategy = "switchover" if resumes.strategy == "switchover" else "failover"  # nothing to choose now
    else:
        reachable = probe(source) if request.mode != "unplanned" else None
        if reachable is not None and reachable.detail:
            warnings.append(reachable.detail)
        strategy = choose_strategy(request.mode, primary_answers=reachable is not None and reachable.answers)
    if resumes is not None and resumes.strategy == strategy:
        rpo = resumes.rpo_seconds
    else:
        rpo = estimate_rpo(strategy, _lag(lag, plan.database.clusters[target], warnings, final=final_attempt))
    over_budget = request.mode == "unplanned" and (rpo is None or rpo > plan.rpo_budget_seconds)
    run = Run(
        incident_id=request.incident_id,
        application=plan.application,
        mode=request.mode,
        strategy=strategy,
        source_region=source,
        target_region=target,
        detected_at=(resumes.detected_at if resumes else None) or request.detected_at or started_at,
        started_at=started_at,
        rpo_seconds=rpo,
        rpo_over_budget=over_budget,
        approval_required=request.mode != "dry-run"
        and (request.approval == "required" or (request.approval is None and over_budget)),
        approval_timeout_seconds=plan.approval_timeout_seconds,
        lock_expires_at=started_at + timedelta(seconds=lock_lease_seconds(plan.approval_timeout_seconds)),
        predicted_rto_seconds=predicted_rto(plan, strategy, from_alarm=counts_from_alarm(request)),
        endpoints=[e.name for e in plan.inference.endpoints],
        resources=[r.name for r in plan.resources],
        dns_shift=plan.dns.shift.policy,
        reason=request.reason,
        resumed=resumes is not None,
        warnings=warnings,
    )
    return run.model_copy(update={"finish_by_hand": finish_by_hand(run, plan)})


# Longer than any run takes besides waiting for approval: each of the runbook's waits is bounded (promotion, capacity,
# DNS: each its expected time, then a bounded number of polls) and all of them together are well under an hour.
RUN_LEASE_SECONDS = 6 * 3600


def lock_lease_seconds(approval_timeout_seconds: int) -> int:
    """How long a run's lock holds before another incident may take it over: the longest a run can take, approval
    window included, so a lock that expired belongs to a run that is over (one whose release was lost or denied).

    >>> lock_lease_seconds(3600)
    25200
    """
    return RUN_LEASE_SECONDS + approval_timeout_seconds


def predicted_rto(plan: RecoveryPlan, strategy: str, *, from_alarm: bool) -> float:
    """What a run should take by the plan's expectations, on the drill's own critical path
    (``critical_path_seconds``): the sustain window if alarms start it, the slower of promotion and the capacity DNS
    waits for (all of it, or the minimum share when traffic follows capacity), then DNS.

    >>> from evac.domain.plan import DEFAULT_PLAN, load_plan
    >>> predicted_rto(load_plan(DEFAULT_PLAN), "failover", from_alarm=True)  # 60 s sustain + 360 s scale-up + 60 s
    480.0
    """
    expected = plan.expectations
    shift = plan.dns.shift
    share = 1.0 if shift.policy == "scale-then-shift" else shift.minimum_share
    return critical_path_seconds(
        sustain=plan.trigger.sustain_seconds if from_alarm else 0,
        database=expected.database_promotion_seconds * (1.5 if strategy == "switchover" else 1.0),
        inference=expected_capacity_seconds(plan, share),
        dns=expected.dns_propagation_seconds,
    )


def counts_from_alarm(request: RunbookInput) -> bool:
    """Whether the sustain window is on a run's critical path: alarms started it (its RTO counts from the first
    ALARM), or it is a dry run, which predicts what an incident would take."""
    return request.detected_at is not None or request.mode == "dry-run"


def expected_capacity_seconds(plan: RecoveryPlan, share: float) -> float:
    """How long after the scale-up starts every endpoint should serve ``share`` of its active capacity, if new
    instances come into service evenly between the plan's first-instance and scale-up expectations.

    >>> from evac.domain.plan import DEFAULT_PLAN, load_plan
    >>> expected_capacity_seconds(load_plan(DEFAULT_PLAN), 0.5)  # 1 of 4 warm; the 1st of 3 new instances
    240.0
    """
    expected = plan.expectations
    first, last = expected.endpoint_first_instance_seconds, expected.endpoint_scale_up_seconds
    slowest = 0.0
    for endpoint in plan.inference.endpoints:
        needed = math.ceil(share * endpoint.active_instances - 1e-9) - endpoint.standby_instances
        new = endpoint.active_instances - endpoint.standby_instances
        if needed <= 0:
            continue
        at = last if new == 1 else first + (last - first) * (needed - 1) / (new - 1)
        slowest = max(slowest, float(at))
    return slowest


def _lag(lag: ReplicationLag, cluster: str, warnings: list[str], *, final: bool) -> float | None:
    """The replication lag, or None with a warning: an RPO estimate is evidence, never a reason to stop."""
    try:
        return lag.lag_seconds(cluster)
    except MetricUnavailableError as exc:
        if exc.transient and not final:
            raise AwsTransientError(f"{exc} (the runbook retries the plan)") from exc
        warnings.append(f"RPO unknown: {exc}")
        return None


def preflight(
    run: Run,
    plan: RecoveryPlan,
    *,
    database: GlobalDatabase,
    endpoints: Endpoints,
    records: RecordWeights,
    readiness: Callable[[], Readiness],
) -> Preflight:
    """Check that the target can be promoted before anything changes; fail naming every check that did not pass.

    Then assess readiness: on the automatic path (an unplanned run) a critical finding stops the run with
    ``SecondaryNotReadyError`` naming it if the plan says ``readiness.on_critical: abort``; by default
    (``approve``) the output is ``not_ready`` and the runbook waits for a person, who sees the findings and decides
    (a rejection or no answer aborts with ``SecondaryNotReadyError``). Findings are recorded in the output.
    """
    started_at = clock.now()
    cluster = plan.database.clusters[run.target_region]
    # Three independent reads side by side (the first error in this order propagates, as one after the other).
    status, statuses, record = each(
        lambda read: read(),
        [
            lambda: database.cluster_status(cluster),
            lambda: endpoints.statuses([e.name for e in plan.inference.endpoints]),  # one call for many endpoints
            lambda: _record_check(run, plan, records),
        ],
    )
    checks = [PreflightCheck(name="rds.target_cluster", ok=status == "available", detail=f"{cluster} is {status}")]
    for endpoint in plan.inference.endpoints:
        found = cast("dict[str, str]", statuses).get(endpoint.name)
        detail = f"{endpoint.name} is {found}" if found else f"{endpoint.name} does not exist"
        checks.append(PreflightCheck(name=f"sagemaker.endpoint:{endpoint.name}", ok=found is not None, detail=detail))
    checks.append(cast("PreflightCheck", record))
    if failed := [c for c in checks if not c.ok]:
        raise PreflightFailedError("; ".join(f"{c.name}: {c.detail}" for c in failed))
    report = readiness()
    not_ready = not_ready_cause(run, plan, report) if report.blocking and run.mode == "unplanned" else None
    if not_ready and plan.readiness.on_critical == "abort":
        raise SecondaryNotReadyError(not_ready)
    carried = report.carried()  # the findings alone: the whole report grows with the application
    return Preflight(
        checks=checks,
        readiness=carried,
        warnings=carried.summaries(),
        not_ready=not_ready,
        started_at=started_at,
        ended_at=clock.now(),
    )


def not_ready_cause(run: Run, plan: RecoveryPlan, report: Readiness) -> str:
    """Why the target cannot take the run: each critical finding (``FINDINGS_CARRIED`` at most), with what was read."""
    blocking = report.blocking
    named = [c.summary() for c in blocking[:FINDINGS_CARRIED]]
    more = [f"{len(blocking) - FINDINGS_CARRIED} more"] if len(blocking) > FINDINGS_CARRIED else []
    return f"{run.target_region} cannot serve {plan.application} as {run.source_region} does: " + "; ".join(
        named + more
    )


def _record_check(run: Run, plan: RecoveryPlan, records: RecordWeights) -> PreflightCheck:
    """The target's record set exists; if Route 53's control plane does not answer, the run goes on only when it may
    move traffic on the plan's data plane (an unplanned run), and stops now, before any change, otherwise."""
    target_set = plan.dns.set_identifiers[run.target_region]
    try:
        weights = records.weights(plan.dns.hosted_zone, plan.dns.record_name, plan.dns.record_type)
    except ControlPlaneUnavailableError as exc:
        mechanism = choose_mechanism(urgency(run), plan.dns.mechanism, control_plane=False)
        if mechanism is None:
            raise control_plane_unavailable(run, plan, str(exc)) from exc
        detail = f"Route 53's control plane does not answer: traffic will move on the data plane ({mechanism})"
        return PreflightCheck(name="route53.record", ok=True, detail=detail)
    found = target_set in weights
    return PreflightCheck(
        name="route53.record",
        ok=found,
        detail=f"{plan.dns.record_name} set {target_set!r} {'exists' if found else 'is missing'}",
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
    return Poll(started_at=started_at, wait_seconds=first_wait("database", expected), detail=detail)


def check_database(run: Run, plan: RecoveryPlan, poll: Poll, *, database: GlobalDatabase) -> Poll:
    state = database.global_state(plan.database.global_cluster)
    done = state.writer_region == run.target_region and state.promoting_to is None
    expected = plan.expectations.database_promotion_seconds
    return polled(poll, "database", expected, done=done, writer_region=state.writer_region, status=state.status)


def scale_endpoint(
    run: Run,
    plan: RecoveryPlan,
    name: str,
    *,
    endpoints: Endpoints,
    autoscaling: ScalingRegistry,
    saved: SavedScaling,
) -> Poll:
    """Raise one target endpoint to its active capacity; the autoscaling floor first, so it cannot scale back in.

    One iteration of the runbook's ``ScaleEndpoints`` Map: every endpoint's scale-up starts at once, whatever their
    number. The poll it returns (``ref`` = the endpoint) is the ``AwaitEndpoints`` Map's item. An endpoint already
    serving at capacity is done at once; if an earlier run's fallback left its autoscaling in ``saved`` (the step
    died between deregistering and registering again), it is put back now, since no check will follow.
    """
    started_at = clock.now()
    endpoint = plan.endpoint(name)
    autoscaling.raise_min_capacity(name, endpoint.variant, endpoint.active_instances)
    state = endpoints.state(name, endpoint.variant)
    if state is None:
        raise PreflightFailedError(f"endpoint {name} does not exist in {run.target_region}")
    requested = state.desired_instances >= endpoint.active_instances
    if not requested and state.status == "InService":
        endpoints.set_instances(name, endpoint.variant, endpoint.active_instances)
        requested = True
    done = _serves_at_capacity(state, endpoint.active_instances)
    if done:
        restore_scaling(endpoint, None, autoscaling=autoscaling, saved=saved)
    wait = first_wait("inference", plan.expectations.endpoint_scale_up_seconds)
    return Poll(
        started_at=started_at,
        done=done,
        ended_at=started_at if done else None,
        ref=name,
        wait_seconds=wait,
        check_at=whole_second(started_at, wait),
        detail={"instances": state.instances, "wanted": endpoint.active_instances, "requested": requested},
    )


def check_endpoint(
    run: Run,
    plan: RecoveryPlan,
    poll: Poll,
    *,
    endpoints: CapacityFallback,
    autoscaling: ScalingRegistry,
    saved: SavedScaling,
) -> Poll:
    """Poll one endpoint (``poll.ref``, one iteration of the ``AwaitEndpoints`` Map): done once InService with the
    plan's active instances. If its scale-up failed for lack of capacity, it falls back to the next of its
    ``fallback_instance_types`` (``fall_back``); the poll records what it serves on. Once it serves, autoscaling a
    fallback deregistered is registered again with its policies, from the poll or, if the step that deregistered
    it died before its poll said so, from ``saved`` (the runs table)."""
    endpoint = plan.endpoint(str(poll.ref))
    fallback = Fallback(poll.detail)
    state = endpoints.state(endpoint.name, endpoint.variant)
    done = state is not None and _serves_at_capacity(state, endpoint.active_instances)
    if done:  # a fallback completed, or one whose poll was lost: autoscaling back on the type it serves on
        restore_scaling(endpoint, fallback, autoscaling=autoscaling, saved=saved)
    elif state is not None and out_of_capacity(
        state, run, asked=endpoint.active_instances if poll.detail.get("requested") else None
    ):
        fall_back(run, endpoint, state, fallback, endpoints=endpoints, autoscaling=autoscaling, saved=saved)
        fallback.since = clock.now().isoformat()
    since = datetime.fromisoformat(fallback.since) if fallback.since else None
    expected = plan.expectations.endpoint_scale_up_seconds
    instances = state.instances if state else 0
    return polled(
        poll,
        "inference",
        expected,
        done=done,
        since=since,
        instances=instances,
        region=run.target_region,
        **fallback.detail(),
    )


def _serves_at_capacity(state: EndpointState, wanted: int) -> bool:
    return state.status == "InService" and state.instances >= wanted


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
