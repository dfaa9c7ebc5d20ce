"""recover_resources (the RecoverResources loop's step) on moto with the rag-assistant plan seeded: the ECS service's
new tasks start after the modelled time and serve once past its target group's health checks (fidelity.ecs), the
consumer and the schedule are switched on in the target,
and a switchover switches them off in the source."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.domain.plan import load_plan
from evac.errors import ResourceRecoveryError
from evac.handlers import plan as plan_step
from evac.handlers import recover_resources
from evacops.localcloud.fidelity.ecs import EcsTaskStarts
from evacops.localcloud.seed import seed, seed_quotas
from evacops.localcloud.seed_kinds import API_HEALTH_CHECK
from tests.functional.conftest import TABLE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from evac.domain.plan import RecoveryPlan
    from tests.functional.conftest import Cloud

RAG = Path(__file__).resolve().parents[3] / "functions" / "evac" / "plans" / "rag-assistant.yaml"
ESM = {"us-east-1": "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a41", "us-west-2": "8e2d3c4b-5a6f-4b70-9c8d-0e1f2a3b4c52"}
SCHEDULES = {"us-east-1": "rag-assistant-reindex-use1", "us-west-2": "rag-assistant-reindex-usw2"}


@pytest.fixture
def plan() -> RecoveryPlan:
    return load_plan(RAG)


@pytest.fixture
def rag(aws: Cloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    """The account seeded with the rag-assistant application, its functions reading that plan."""
    monkeypatch.setenv("EVAC_PLAN", "evac/plans/rag-assistant.yaml")
    with ExitStack() as stack:
        EcsTaskStarts(aws.timeline, aws.latencies).install(stack)
        seed_quotas(aws.plan, aws.quotas)
        seed(aws.plan, aws.clock, aws.timeline)
        boto3.client("dynamodb", "us-west-2").create_table(
            TableName=TABLE,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        aws.wait(60)
        yield aws


@pytest.fixture
def run_of(rag: Cloud, read_event: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    return lambda name: rag.invoke(plan_step, read_event(name))


def running(region: str) -> int:
    cluster = "rag-assistant-use1" if region == "us-east-1" else "rag-assistant-usw2"
    found = boto3.client("ecs", region).describe_services(cluster=cluster, services=["rag-assistant-api"])
    return int(found["services"][0]["runningCount"])


def mapping(region: str) -> str:
    return str(boto3.client("lambda", region).get_event_source_mapping(UUID=ESM[region])["State"])


def schedule(region: str) -> str:
    found = boto3.client("scheduler", region).get_schedule(Name=SCHEDULES[region], GroupName="rag-assistant")
    return str(found["State"])


def recover(rag: Cloud, run: dict[str, Any]) -> dict[str, Any]:
    """Start, then check each time the loop's Wait would end, until done (at most a dozen rounds)."""
    polls = rag.invoke(recover_resources, {"run": run, "action": "start"})
    for _ in range(12):
        if polls["done"]:
            break
        rag.wait(30)
        polls = rag.invoke(recover_resources, {"run": run, "action": "check", "polls": polls["polls"]})
    return polls


def test_a_failover_recovers_every_resource_in_the_target(rag: Cloud, run_of: Callable[[str], Any]) -> None:
    run = run_of("drill-unplanned.json")

    started = rag.invoke(recover_resources, {"run": run, "action": "start"})

    assert started["pending"][0] == "rag-assistant-api"
    assert running("us-west-2") == 2  # new tasks take the modelled start time
    polls = recover(rag, run)
    assert polls["done"] is True
    assert (running("us-west-2"), mapping("us-west-2"), schedule("us-west-2")) == (6, "Enabled", "ENABLED")
    assert (mapping("us-east-1"), schedule("us-east-1")) == ("Enabled", "ENABLED")  # ungraceful: source left alone


def test_the_ecs_service_is_pending_until_its_running_tasks_are_healthy_targets(
    rag: Cloud, run_of: Callable[[str], Any]
) -> None:
    run = run_of("drill-unplanned.json")
    polls = rag.invoke(recover_resources, {"run": run, "action": "start"})

    rag.wait(rag.latencies.ecs_task_start)
    polls = rag.invoke(recover_resources, {"run": run, "action": "check", "polls": polls["polls"]})
    assert running("us-west-2") == 6
    assert polls["pending"] == ["rag-assistant-api"]  # 4 of its 6 targets still initial

    rag.wait(API_HEALTH_CHECK["HealthCheckIntervalSeconds"] * API_HEALTH_CHECK["HealthyThresholdCount"])
    polls = rag.invoke(recover_resources, {"run": run, "action": "check", "polls": polls["polls"]})
    assert polls["done"] is True


def test_a_switchover_switches_the_pipelines_off_in_the_source(rag: Cloud, run_of: Callable[[str], Any]) -> None:
    polls = recover(rag, run_of("drill-planned.json"))

    assert polls["done"] is True
    assert (mapping("us-east-1"), schedule("us-east-1")) == ("Disabled", "DISABLED")
    assert (mapping("us-west-2"), schedule("us-west-2")) == ("Enabled", "ENABLED")


def test_a_missing_resource_fails_the_step_naming_it(rag: Cloud, run_of: Callable[[str], Any]) -> None:
    run = run_of("drill-unplanned.json")
    boto3.client("scheduler", "us-west-2").delete_schedule(Name=SCHEDULES["us-west-2"], GroupName="rag-assistant")

    with pytest.raises(ResourceRecoveryError, match=r"rag-assistant-reindex \(schedule\): schedule rag-assistant"):
        rag.invoke(recover_resources, {"run": run, "action": "start"})
