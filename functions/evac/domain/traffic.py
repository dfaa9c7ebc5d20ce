"""Moving traffic to the target: how much its InService capacity can take, the DNS change, and the proof it serves.

The plan's ``dns.shift`` policy decides when traffic moves (``evac.domain.plan.Shift``): all of it once every endpoint
and every serving resource serve at full capacity (``scale-then-shift``), or the plan's minimum share as soon as the
target can take it and more, step by step, as instances and tasks come into service (``follow-capacity``). Either
way the weight the target receives never exceeds the least share of active capacity that serves, over every endpoint
and every serving resource of the plan's ``resources:`` (principle 2), and each move is verified before the next.
The target's weight is a percentage: the source keeps the rest.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from evac import clock
from evac.domain.dns_switch import choose_mechanism, control_plane_unavailable, is_data_plane, urgency
from evac.domain.fanout import each
from evac.domain.kinds import serving_resources, serving_share
from evac.domain.kinds.step import share
from evac.domain.models import CanaryVerdict, Poll, TrafficStep, Verification
from evac.domain.polling import POLL_FLOOR, first_wait, polled, whole_second
from evac.errors import ControlPlaneUnavailableError, VerificationFailedError

if TYPE_CHECKING:
    from evac.domain.kinds.ports import Serving
    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan, Shift
    from evac.domain.plan_inference import Endpoint
    from evac.domain.ports import (
        CanaryInvoker,
        Endpoints,
        EndpointState,
        GlobalDatabase,
        RecordWeights,
        TrafficSwitch,
    )

FULL_WEIGHT = 100
# An endpoint serves with the instances it has while it updates (API_ProductionVariantSummary: during an
# UpdateEndpointWeightsAndCapacities, current and desired counts differ); any other status serves nothing.
SERVING = ("InService", "Updating")


def capacity_share(plan: RecoveryPlan, *, endpoints: Endpoints, resources: Serving | None = None) -> int:
    """The share (percent, rounded down) of its traffic the target can serve: the least-provisioned of its endpoints
    (InService instances over the plan's active instances) and of its serving resources (``resources``: their reads
    in the target; ``evac.domain.kinds.serving_share``). The endpoints are read at once, then the resources.

    ``resources`` may be left out only for a plan without serving resources."""
    states = each(lambda e: endpoints.state(e.name, e.variant), plan.inference.endpoints)
    least = min(
        _endpoint_share(state, endpoint.active_instances)
        for endpoint, state in zip(plan.inference.endpoints, states, strict=True)
    )
    return min(least, serving_share(plan, resources))


def _endpoint_share(state: EndpointState | None, active: int) -> int:
    return share(state.instances if state is not None and state.status in SERVING else 0, active)


def allowed_weight(shift: Shift, capacity: int) -> int:
    """The target's weight the policy allows for an InService capacity share (both percent).

    ``scale-then-shift``: all or nothing. ``follow-capacity``: nothing below the minimum share, then the minimum plus
    whole steps, never above the capacity.

    >>> from evac.domain.plan import Shift
    >>> [allowed_weight(Shift(policy="follow-capacity"), c) for c in (20, 25, 60, 99, 100)]
    [0, 25, 50, 75, 100]
    """
    if capacity >= FULL_WEIGHT:
        return FULL_WEIGHT
    if shift.policy == "scale-then-shift" or capacity < shift.minimum_percent:
        return 0
    return capacity - (capacity - shift.minimum_percent) % shift.step_percent


def weights(run: Run, plan: RecoveryPlan, target_weight: int) -> dict[str, int]:
    """Record weights that send ``target_weight`` percent of traffic to the target and the rest to the source."""
    ids = plan.dns.set_identifiers
    return {ids[run.target_region]: target_weight, ids[run.source_region]: FULL_WEIGHT - target_weight}


def target_weight(run: Run, plan: RecoveryPlan, current: dict[str, int]) -> int:
    """The target's share (percent) of the record's current weights."""
    ids = plan.dns.set_identifiers
    to_target, to_source = current.get(ids[run.target_region], 0), current.get(ids[run.source_region], 0)
    total = to_target + to_source
    return math.floor(FULL_WEIGHT * to_target / total) if total else 0


def shift_dns(
    run: Run,
    plan: RecoveryPlan,
    previous: Poll | None,
    *,
    records: RecordWeights,
    endpoints: Endpoints,
    switch: TrafficSwitch | None = None,
    resources: Serving | None = None,
) -> Poll:
    """Give the target as much traffic as its InService capacity and the plan's policy allow, if that is more than
    it has. ``detail.raised`` says whether there is a move to wait for and verify; if not, ``wait_seconds`` says when
    to look at capacity again. Re-run after a move it finds the move made and changes nothing (principle 4).

    Record weights move it while Route 53's control plane answers; when it does not, an unplanned run moves all of it
    on the plan's data plane (``switch``, ``evac.domain.dns_switch``); ``detail.mechanism`` says which moved it.
    """
    started_at = clock.now()
    dns = plan.dns
    capacity = capacity_share(plan, endpoints=endpoints, resources=resources)
    allowed = allowed_weight(dns.shift, capacity)
    try:
        current = records.weights(dns.hosted_zone, dns.record_name, dns.record_type)
    except ControlPlaneUnavailableError as exc:
        return _shift_on_data_plane(run, plan, previous, capacity, switch, reason=str(exc))
    have = target_weight(run, plan, current)
    detail = {
        "capacity": capacity,
        "weight": have,
        "weights": current,
        "raised": True,
        "rounds": 0,
        "mechanism": "record-weights",
    }
    if allowed > have:
        wanted = weights(run, plan, allowed)
        change_id = records.set_weights(dns.hosted_zone, dns.record_name, dns.record_type, wanted)
        wait = first_wait("dns", plan.expectations.dns_propagation_seconds)
        detail |= {"weight": allowed, "weights": wanted}
        return Poll(started_at=started_at, ref=change_id, wait_seconds=wait, detail=detail)
    if previous is None and have > 0:  # moved by an earlier attempt of this step: verify it
        return Poll(started_at=started_at, done=True, ended_at=started_at, detail=detail)
    # Not enough new capacity yet: count the looks in a row (the ASL bounds them) and say when to look again.
    looks = previous.detail.get("rounds", 0) if previous and not previous.detail.get("raised") else 0
    detail |= {"raised": False, "rounds": looks + 1}
    wait = capacity_wait(run, plan)
    return Poll(started_at=started_at, wait_seconds=wait, check_at=whole_second(started_at, wait), detail=detail)


def _shift_on_data_plane(
    run: Run, plan: RecoveryPlan, previous: Poll | None, capacity: int, switch: TrafficSwitch | None, *, reason: str
) -> Poll:
    """All traffic at once on the data plane, once the target can take all of it; until then, look again later."""
    started_at = clock.now()
    mechanism = choose_mechanism(urgency(run), plan.dns.mechanism, control_plane=False)
    if mechanism is None or switch is None:
        raise control_plane_unavailable(run, plan, reason)
    detail = {"capacity": capacity, "weight": 0, "weights": {}, "raised": True, "rounds": 0, "mechanism": mechanism}
    if capacity < FULL_WEIGHT:  # a data-plane switch is all or nothing (principle 3)
        looks = previous.detail.get("rounds", 0) if previous and not previous.detail.get("raised") else 0
        detail |= {"raised": False, "rounds": looks + 1}
        wait = capacity_wait(run, plan)
        return Poll(started_at=started_at, wait_seconds=wait, check_at=whole_second(started_at, wait), detail=detail)
    done = switch.switch(run.source_region, run.target_region)
    detail |= {"weight": FULL_WEIGHT, "switched": done, "control_plane": reason[:300]}
    return Poll(
        started_at=started_at, wait_seconds=first_wait("dns", plan.expectations.dns_propagation_seconds), detail=detail
    )


def capacity_wait(run: Run, plan: RecoveryPlan) -> int:
    """How long a traffic ramp waits before it looks at capacity again: until the first new instance is expected to
    serve, an endpoint's or a serving resource's (counted from the run's start, a little before its scale-up
    started), then ``POLL_FLOOR["capacity"]``."""
    since = (clock.now() - run.started_at).total_seconds()
    first = min(
        [plan.expectations.endpoint_first_instance_seconds, *(r.expected_seconds for r in serving_resources(plan))]
    )
    return max(POLL_FLOOR["capacity"], math.ceil(first - since))


def check_dns(
    run: Run, plan: RecoveryPlan, poll: Poll, *, records: RecordWeights, switch: TrafficSwitch | None = None
) -> Poll:
    """Has the move propagated: the Route 53 change INSYNC, or the data plane answering the target only."""
    if is_data_plane(poll.detail.get("mechanism")):
        if switch is None:
            raise VerificationFailedError(f"no {poll.detail['mechanism']} data plane to read")
        pending = switch.switched(run.source_region, run.target_region)
        return polled(poll, "dns", plan.expectations.dns_propagation_seconds, done=pending is None, pending=pending)
    done = poll.ref is None or records.change_done(poll.ref)
    return polled(poll, "dns", plan.expectations.dns_propagation_seconds, done=done)


def verify(
    run: Run,
    plan: RecoveryPlan,
    dns: Poll,
    previous: Verification | None,
    *,
    database: GlobalDatabase,
    canary: CanaryInvoker,
    records: RecordWeights,
    endpoints: Endpoints,
    switch: TrafficSwitch | None = None,
    resources: Serving | None = None,
) -> Verification:
    """Prove the target serves the traffic it was given: it holds the writer, the DNS change is INSYNC with the
    weights the last move set, its InService capacity can take that share, and every canary answers within its
    limit. A ramp's verifications accumulate in ``steps``; the first one ends the RTO."""
    started_at = clock.now()
    dns_plan = plan.dns
    problems: list[str] = [] if dns.done else ["the DNS change has not propagated (not INSYNC)"]
    writer = database.global_state(plan.database.global_cluster).writer_region
    if writer != run.target_region:
        problems.append(f"writer is in {writer}, not {run.target_region}")
    mechanism = dns.detail.get("mechanism", "record-weights")
    if is_data_plane(mechanism):  # what a resolver is answered, read on the data plane (see TrafficSwitch.switched)
        if switch is None or (pending := switch.switched(run.source_region, run.target_region)) is not None:
            problems.append(f"{mechanism}: {pending if switch else 'no data plane to read'}")
        current, weight = {}, FULL_WEIGHT
    else:
        current = records.weights(dns_plan.hosted_zone, dns_plan.record_name, dns_plan.record_type)
        expected = dns.detail.get("weights", weights(run, plan, FULL_WEIGHT))
        if any(current.get(k) != v for k, v in expected.items()):
            problems.append(f"DNS weights are {current}, expected {expected}")
        weight = target_weight(run, plan, current)
    capacity = capacity_share(plan, endpoints=endpoints, resources=resources)
    if capacity < weight:
        problems.append(f"the target's InService capacity takes {capacity}% of traffic, DNS sends it {weight}%")
    canaries = each(lambda e: _canary(run, e, canary), plan.inference.endpoints)
    problems += [problem for _, problem in canaries if problem]
    if problems:
        raise VerificationFailedError("; ".join(problems))
    ended_at = clock.now()
    step = TrafficStep(
        weight=weight, capacity=capacity, shifted_at=dns.started_at, insync_at=dns.ended_at, verified_at=ended_at
    )
    return Verification(
        writer_region=run.target_region,
        dns_region=run.target_region,
        weights=current,
        canaries=[found for found, _ in canaries],
        started_at=started_at,
        ended_at=ended_at,
        weight=weight,
        capacity=capacity,
        steps=[*(previous.steps if previous else []), step],
        dns_mechanism=mechanism,
    )


def _canary(run: Run, endpoint: Endpoint, canary: CanaryInvoker) -> tuple[CanaryVerdict, str | None]:
    """One canary inference: its result, and what is wrong with it (None if it answered within its limit)."""
    result = canary.invoke(endpoint.name, endpoint.canary.body, endpoint.canary.content_type)
    limit = endpoint.canary.max_latency_ms
    ok = result.ok and result.latency_ms <= limit
    found = CanaryVerdict(
        endpoint=endpoint.name, region=run.target_region, latency_ms=round(result.latency_ms, 2), limit_ms=limit, ok=ok
    )
    problem = f"canary {endpoint.name}: {result.detail or 'answered'} in {result.latency_ms:.0f} ms (limit {limit} ms)"
    return found, None if ok else problem
