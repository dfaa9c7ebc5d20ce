"""The autoscaling-group and custom kinds on the rag-gpu-fleet test plan: the GPU fleet raised in the target and
done only once its instances serve and its targets are healthy; the custom function invoked in the target with the
documented event, its error naming it; and a bad item of either kind named at load.

Traffic follows the capacity of every serving kind: the target's share is the least over its endpoints, ECS services
and Auto Scaling groups; under ``follow-capacity`` a serving resource leaves the resources stage once its warm share
serves the plan's minimum (the traffic ramp follows the rest), and stays in it below that."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from evac.domain.kinds import check_resources, start_resources
from evac.domain.kinds.ports import GroupState, Serving
from evac.domain.plan import Shift, load_plan, parse_plan
from evac.domain.plan_resources import AutoScalingGroup, CustomAction
from evac.domain.ports import EndpointState
from evac.domain.traffic import capacity_share
from evac.errors import PlanError, ResourceRecoveryError
from tests.fakes.inference import FakeEndpoints
from tests.unit.domain.test_kinds import SOURCE, TARGET, due, seeded

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.kinds import FakeRegion

FLEET = Path(__file__).resolve().parents[2] / "plans" / "rag-gpu-fleet.yaml"
GROUP = {SOURCE: "rag-assistant-embed-gpu-use1", TARGET: "rag-assistant-embed-gpu-usw2"}
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/rag-assistant-embed-gpu-usw2-tg/1"
CACHE = "rag-assistant-warm-cache"


@pytest.fixture(scope="module")
def fleet() -> RecoveryPlan:
    return load_plan(FLEET)


def with_fleet(region: FakeRegion, *, serving: bool) -> FakeRegion:
    """The rag-assistant application as seeded, with its GPU fleet (one instance on standby) and its cache warmer."""
    count = 4 if serving else 1
    region.groups[GROUP[region.name]] = GroupState(count, count, 4, tuple(f"i-{n}" for n in range(count)),
                                                   (TARGET_GROUP,))  # fmt: skip
    region.healthy_targets[TARGET_GROUP] = {f"i-{n}" for n in range(count)}
    region.functions[CACHE] = None
    return region


@pytest.fixture
def source() -> FakeRegion:
    return with_fleet(seeded(SOURCE, serving=True), serving=True)


@pytest.fixture
def target() -> FakeRegion:
    return with_fleet(seeded(TARGET, serving=False), serving=False)


@pytest.fixture
def run(failover_run: Run) -> Run:
    return failover_run.model_copy(update={"application": "rag-assistant"})


def test_the_fleet_plan_loads_both_kinds_and_the_fleet_is_serving(fleet: RecoveryPlan) -> None:
    kinds = {type(r): r for r in fleet.resources}

    assert kinds[AutoScalingGroup].serving
    assert not kinds[CustomAction].serving


def test_the_gpu_fleet_is_raised_and_pending_until_its_instances_serve_and_its_targets_are_healthy(
    run: Run, fleet: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(run, fleet, target=target.ports(), source=source.ports())

    group = target.groups[GROUP[TARGET]]
    assert (group.minimum, group.desired) == (4, 4)
    assert "rag-assistant-embed-gpu" in polls.pending
    target.start_tasks()
    target.launch(healthy=False)  # InService, not yet past the load balancer's health checks

    polls = check_resources(run, fleet, due(polls.polls), target=target.ports(), source=source.ports())
    assert polls.pending == ["rag-assistant-embed-gpu"]

    target.launch(healthy=True)
    polls = check_resources(run, fleet, due(polls.polls), target=target.ports(), source=source.ports())
    assert polls.done
    assert source.groups[GROUP[SOURCE]].desired == 4  # the source keeps its fleet


def test_a_group_whose_launches_are_suspended_fails_naming_it(
    run: Run, fleet: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    state = target.groups[GROUP[TARGET]]
    target.groups[GROUP[TARGET]] = GroupState(1, 1, 4, state.serving, state.target_groups, ("Launch",))

    with pytest.raises(ResourceRecoveryError, match=r"rag-assistant-embed-gpu \(autoscaling-group\): .*Launch"):
        start_resources(run, fleet, target=target.ports(), source=source.ports())


def test_a_missing_group_fails_naming_it(run: Run, fleet: RecoveryPlan, target: FakeRegion, source: FakeRegion) -> None:
    del target.groups[GROUP[TARGET]]

    with pytest.raises(ResourceRecoveryError, match="Auto Scaling group rag-assistant-embed-gpu-usw2 does not exist"):
        start_resources(run, fleet, target=target.ports(), source=source.ports())


def test_the_custom_function_is_invoked_once_in_the_target_with_the_run_and_its_timeout(
    run: Run, fleet: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(run, fleet, target=target.ports(), source=source.ports())

    assert CACHE not in polls.pending
    assert source.invoked == []
    [(name, event, timeout)] = target.invoked
    assert (name, timeout) == (CACHE, 120)
    assert event["evac"] == {
        "incident_id": run.incident_id,
        "application": "rag-assistant",
        "resource": CACHE,
        "phase": "promote",
        "strategy": "failover",
        "graceful": False,
        "source_region": SOURCE,
        "target_region": TARGET,
    }


def test_a_custom_function_error_fails_the_run_naming_the_function_and_its_error(
    run: Run, fleet: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    target.functions[CACHE] = "Unhandled: RuntimeError: the vector cache could not be loaded"

    with pytest.raises(ResourceRecoveryError) as raised:
        start_resources(run, fleet, target=target.ports(), source=source.ports())

    assert f"function {CACHE} in {TARGET} failed: Unhandled: RuntimeError: the vector cache" in str(raised.value)


def test_an_ungraceful_run_skips_a_custom_action_that_says_so(
    run: Run, fleet: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    document = yaml.safe_load(FLEET.read_text(encoding="utf-8"))
    document["resources"][5]["ungraceful"] = "skip"  # the cache warmer
    plan = parse_plan(document)

    start_resources(run, plan, target=target.ports(), source=source.ports())
    assert target.invoked == []
    start_resources(run.model_copy(update={"strategy": "switchover"}), plan, target=target.ports(),
                    source=source.ports())  # fmt: skip
    assert [name for name, _, _ in target.invoked] == [CACHE]


def _fleet_standby_above_active(plan: dict[str, Any]) -> None:
    plan["resources"][4]["standby_capacity"] = 9


def _fleet_group_outside_the_prefix(plan: dict[str, Any]) -> None:
    plan["resources"][4]["groups"]["us-west-2"] = "gpu-fleet"


def _custom_timeout_beyond_lambda(plan: dict[str, Any]) -> None:
    plan["resources"][5]["timeout_seconds"] = 900


def _custom_missing_a_region(plan: dict[str, Any]) -> None:
    del plan["resources"][5]["functions"]["us-west-2"]


@pytest.mark.parametrize(
    ("breaks", "path"),
    [
        (_fleet_standby_above_active, "resources.4.autoscaling-group"),
        (_fleet_group_outside_the_prefix, "resources.4"),
        (_custom_timeout_beyond_lambda, "resources.5.custom.timeout_seconds"),
        (_custom_missing_a_region, "resources.5.functions"),
    ],
    ids=lambda case: case.__name__.strip("_") if callable(case) else case,
)
def test_a_bad_fleet_or_custom_item_fails_to_load_naming_the_bad_field(
    breaks: Callable[[dict[str, Any]], None], path: str
) -> None:
    broken = copy.deepcopy(yaml.safe_load(FLEET.read_text(encoding="utf-8")))
    breaks(broken)

    with pytest.raises(PlanError) as raised:
        parse_plan(broken)

    assert f"{path}:" in str(raised.value)


# --- traffic follows the serving kinds' capacity ----------------------------------------------------------------------

GPU, API, LLM = "rag-assistant-embed-gpu", "rag-assistant-api", "rag-assistant-llm"


@pytest.fixture
def following(fleet: RecoveryPlan) -> RecoveryPlan:
    return fleet.model_copy(update={"dns": fleet.dns.model_copy(update={"shift": Shift(policy="follow-capacity")})})


@pytest.fixture
def followed_run(run: Run) -> Run:
    return run.model_copy(update={"dns_shift": "follow-capacity"})


def endpoints(instances: int) -> FakeEndpoints:
    return FakeEndpoints({LLM: EndpointState(LLM, "InService", instances, 2)})


def reads(region: FakeRegion) -> Serving:
    return Serving(region.name, region, region, region)


def cold_fleet(region: FakeRegion) -> FakeRegion:
    """No fleet instance warm in ``region``."""
    region.groups[GROUP[region.name]] = GroupState(0, 0, 4, (), (TARGET_GROUP,))
    region.healthy_targets[TARGET_GROUP] = set()
    return region


def test_the_target_takes_the_least_share_any_endpoint_or_serving_resource_serves(
    following: RecoveryPlan, target: FakeRegion
) -> None:
    # the endpoint serves in full, the ECS service 2 of 6 tasks (33%), the fleet 1 of 4 instances (25%)
    assert capacity_share(following, endpoints=endpoints(2), resources=reads(target)) == 25

    target.set_capacity(GROUP[TARGET], minimum=4, desired=4, maximum=4)
    target.set_desired("rag-assistant-usw2", API, 6)
    target.launch()
    target.start_tasks()
    assert capacity_share(following, endpoints=endpoints(1), resources=reads(target)) == 50  # now the endpoint
    assert capacity_share(following, endpoints=endpoints(2), resources=reads(target)) == 100


def test_fleet_instances_in_service_but_not_yet_healthy_targets_serve_nothing(
    following: RecoveryPlan, target: FakeRegion
) -> None:
    target.set_capacity(GROUP[TARGET], minimum=4, desired=4, maximum=4)
    target.launch(healthy=False)

    assert capacity_share(following, endpoints=endpoints(2), resources=reads(target)) == 0


def test_a_plan_with_serving_resources_cannot_read_capacity_without_them(following: RecoveryPlan) -> None:
    with pytest.raises(ValueError, match="serving resources"):
        capacity_share(following, endpoints=endpoints(2))


def test_under_follow_capacity_a_warm_share_at_the_minimum_leaves_the_stage_to_the_ramp(
    followed_run: Run, following: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(followed_run, following, target=target.ports(), source=source.ports())

    found = {str(p.ref): p for p in polls.polls}
    assert GPU not in polls.pending
    assert API not in polls.pending
    assert (found[GPU].detail["share"], found[GPU].detail["recovered"]) == (25, False)
    assert target.groups[GROUP[TARGET]].desired == 4  # raised all the same: the ramp waits for the rest


def test_under_follow_capacity_a_serving_resource_below_the_minimum_share_keeps_the_stage_waiting(
    followed_run: Run, following: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(followed_run, following, target=cold_fleet(target).ports(), source=source.ports())

    assert GPU in polls.pending
    assert API not in polls.pending


def test_scale_then_shift_keeps_every_serving_resource_in_the_stage_until_it_serves_in_full(
    run: Run, fleet: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(run, fleet, target=target.ports(), source=source.ports())

    assert {GPU, API} <= set(polls.pending)
