"""Recovery kinds: every resource of the rag-assistant plan recovered in the target through its kind's step, the
source acted on as graceful and ungraceful runs say, and what cannot be recovered named in one error."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from evac.domain.kinds import check_resources, start_resources
from evac.domain.kinds.ports import ServiceState
from evac.domain.plan import load_plan
from evac.domain.plan_resources import EventBridgeRule
from evac.domain.ports import TableReplicas
from evac.errors import RegionUnavailableError, ResourceRecoveryError
from tests.fakes.kinds import FakeRegion

if TYPE_CHECKING:
    from evac.domain.models import Poll, Run
    from evac.domain.plan import RecoveryPlan

RAG = Path(__file__).resolve().parents[3] / "functions" / "evac" / "plans" / "rag-assistant.yaml"
SOURCE, TARGET = "us-east-1", "us-west-2"
ESM = {SOURCE: "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a41", TARGET: "8e2d3c4b-5a6f-4b70-9c8d-0e1f2a3b4c52"}
API_TARGETS = {
    region: f"arn:aws:elasticloadbalancing:{region}:111122223333:targetgroup/rag-assistant-api-tg/1"
    for region in (SOURCE, TARGET)
}
SCHEDULE = {
    SOURCE: ("rag-assistant", "rag-assistant-reindex-use1"),
    TARGET: ("rag-assistant", "rag-assistant-reindex-usw2"),
}
RULE = {SOURCE: "rag-assistant-finetune-use1", TARGET: "rag-assistant-finetune-usw2"}  # rag-gpu-fleet's


@pytest.fixture(scope="module")
def rag() -> RecoveryPlan:
    return load_plan(RAG)


def seeded(region: str, *, serving: bool) -> FakeRegion:
    """The rag-assistant application as seeded: us-east-1 serves and runs the pipelines, us-west-2 stands by (and
    the rag-gpu-fleet plan's fine-tuning rule, on the default bus)."""
    peer = TARGET if region == SOURCE else SOURCE
    tasks = 6 if serving else 2
    return FakeRegion(
        region,
        services={
            (f"rag-assistant-{'use1' if region == SOURCE else 'usw2'}", "rag-assistant-api"): ServiceState(
                "ACTIVE", tasks, tasks, "COMPLETED", target_groups=(API_TARGETS[region],)
            )
        },
        healthy_targets={API_TARGETS[region]: {f"10.0.0.{n + 1}" for n in range(tasks)}},
        tables={"rag-assistant-sessions": TableReplicas("ACTIVE", {peer: "ACTIVE"})},
        mappings={ESM[region]: "Enabled" if serving else "Disabled"},
        schedules={SCHEDULE[region]: "ENABLED" if serving else "DISABLED"},
        rules={("default", RULE[region]): "ENABLED" if serving else "DISABLED"},
    )


@pytest.fixture
def source() -> FakeRegion:
    return seeded(SOURCE, serving=True)


@pytest.fixture
def target() -> FakeRegion:
    return seeded(TARGET, serving=False)


@pytest.fixture
def run(failover_run: Run) -> Run:
    return failover_run.model_copy(update={"application": "rag-assistant"})


def due(polls: list[Poll]) -> list[Poll]:
    """The polls with every check due now (the ASL's Wait has passed)."""
    return [p.model_copy(update={"check_at": None}) for p in polls]


def recover(run: Run, plan: RecoveryPlan, target: FakeRegion, source: FakeRegion, *, rounds: int = 3) -> list[str]:
    """Start, let the target's tasks start, then check until done: the resources still pending."""
    polls = start_resources(run, plan, target=target.ports(), source=source.ports())
    target.start_tasks()
    for _ in range(rounds):
        if polls.done:
            break
        polls = check_resources(run, plan, due(polls.polls), target=target.ports(), source=source.ports())
    return polls.pending


def test_a_failover_recovers_every_resource_in_the_target_and_leaves_the_source_alone(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    before = (dict(source.mappings), dict(source.schedules))

    pending = recover(run, rag, target, source)

    assert pending == []
    assert target.services[("rag-assistant-usw2", "rag-assistant-api")].running == 6
    assert target.mappings[ESM[TARGET]] == "Enabled"
    assert target.schedules[SCHEDULE[TARGET]] == "ENABLED"
    assert (source.mappings, source.schedules) == before  # ungraceful: nothing asked of the failing region


def test_a_failover_with_a_dark_source_does_not_wait_on_it(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    source.dark = True

    assert recover(run, rag, target, source) == []


def test_a_switchover_disables_the_pipelines_in_the_source(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    switchover = run.model_copy(update={"mode": "planned", "strategy": "switchover"})

    assert recover(switchover, rag, target, source) == []
    assert source.mappings[ESM[SOURCE]] == "Disabled"
    assert source.schedules[SCHEDULE[SOURCE]] == "DISABLED"


def test_a_switchover_whose_source_does_not_answer_is_retried(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    switchover = run.model_copy(update={"mode": "planned", "strategy": "switchover"})
    source.dark = True

    with pytest.raises(RegionUnavailableError):
        start_resources(switchover, rag, target=target.ports(), source=source.ports())


def test_an_ecs_service_is_pending_until_its_tasks_run(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(run, rag, target=target.ports(), source=source.ports())

    assert "rag-assistant-api" in polls.pending
    assert "rag-assistant-sessions" not in polls.pending  # ACTIVE already: nothing to promote
    assert target.services[("rag-assistant-usw2", "rag-assistant-api")].desired == 6

    polls = check_resources(run, rag, due(polls.polls), target=target.ports(), source=source.ports())

    assert polls.pending == ["rag-assistant-api"]  # desired 6, still 2 running
    assert not polls.done


def test_an_ecs_service_is_pending_while_its_new_tasks_are_initial_targets_and_done_once_healthy(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(run, rag, target=target.ports(), source=source.ports())
    target.start_tasks(healthy=False)  # running, not yet past the load balancer's health checks

    polls = check_resources(run, rag, due(polls.polls), target=target.ports(), source=source.ports())
    assert polls.pending == ["rag-assistant-api"]

    target.start_tasks(healthy=True)
    polls = check_resources(run, rag, due(polls.polls), target=target.ports(), source=source.ports())
    assert polls.done


def test_an_ecs_service_that_does_not_wait_for_its_targets_is_done_once_its_tasks_run(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    plan = rag.model_copy(
        update={
            "resources": [
                r.model_copy(update={"wait_healthy_targets": False}) if r.name == "rag-assistant-api" else r
                for r in rag.resources
            ]
        }
    )
    polls = start_resources(run, plan, target=target.ports(), source=source.ports())
    target.start_tasks(healthy=False)

    polls = check_resources(run, plan, due(polls.polls), target=target.ports(), source=source.ports())
    assert "rag-assistant-api" not in polls.pending


def test_unrecoverable_resources_are_named_together_after_the_others_started(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    del target.services[("rag-assistant-usw2", "rag-assistant-api")]
    target.tables["rag-assistant-sessions"] = TableReplicas("ACTIVE", {})  # a regional table, not a replica

    with pytest.raises(ResourceRecoveryError) as raised:
        start_resources(run, rag, target=target.ports(), source=source.ports())

    assert "rag-assistant-api (ecs-service): service rag-assistant-api" in str(raised.value)
    assert "rag-assistant-sessions (dynamodb-global-table)" in str(raised.value)
    assert target.mappings[ESM[TARGET]] == "Enabled"  # the others were started all the same


def test_a_failed_ecs_deployment_fails_the_check(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    polls = start_resources(run, rag, target=target.ports(), source=source.ports())
    key = ("rag-assistant-usw2", "rag-assistant-api")
    target.services[key] = ServiceState("ACTIVE", 6, 2, "FAILED", "tasks failed to start")

    with pytest.raises(ResourceRecoveryError, match="deployment failed: tasks failed to start"):
        check_resources(run, rag, due(polls.polls), target=target.ports(), source=source.ports())


def with_rule(plan: RecoveryPlan, target: FakeRegion, on: str = "DISABLED") -> RecoveryPlan:
    """``plan`` with the nightly fine-tuning rule on the default bus, ``on`` in the target."""
    target.rules[("default", RULE[TARGET])] = on
    rule = EventBridgeRule(kind="eventbridge-rule", name="rag-assistant-finetune", rules=RULE)
    return plan.model_copy(update={"resources": [*plan.resources, rule]})


def test_a_switchover_enables_the_rule_in_the_target_and_disables_it_in_the_source(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    switchover = run.model_copy(update={"mode": "planned", "strategy": "switchover"})
    plan = with_rule(rag, target)

    assert recover(switchover, plan, target, source) == []
    assert (target.rules[("default", RULE[TARGET])], source.rules[("default", RULE[SOURCE])]) == (
        "ENABLED",
        "DISABLED",
    )


def test_a_failover_enables_the_rule_and_leaves_the_source_alone_and_a_cloudtrail_rule_stays_as_it_is(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    on = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"  # on already: enabling it again would lose the events
    plan = with_rule(rag, target, on=on)

    assert recover(run, plan, target, source) == []
    assert (target.rules[("default", RULE[TARGET])], source.rules[("default", RULE[SOURCE])]) == (on, "ENABLED")


def test_a_rule_missing_in_the_target_fails_naming_it(
    run: Run, rag: RecoveryPlan, target: FakeRegion, source: FakeRegion
) -> None:
    plan = with_rule(rag, target)
    del target.rules[("default", RULE[TARGET])]

    with pytest.raises(
        ResourceRecoveryError, match=r"rag-assistant-finetune \(eventbridge-rule\): rule rag-assistant-f"
    ):
        start_resources(run, plan, target=target.ports(), source=source.ports())
