"""The plan's ``resources:``: the rag-assistant plan loads its kinds, and a bad item fails naming its field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from evac.domain.plan import load_plan, parse_plan
from evac.domain.plan_resources import (
    MAX_RESOURCES,
    DynamoDbGlobalTable,
    EcsService,
    EventSourceMapping,
    Schedule,
)
from evac.errors import PlanError

if TYPE_CHECKING:
    from collections.abc import Callable

RAG = Path(__file__).resolve().parents[3] / "functions" / "evac" / "plans" / "rag-assistant.yaml"


@pytest.fixture
def document() -> dict[str, Any]:
    return dict(yaml.safe_load(RAG.read_text(encoding="utf-8")))


def test_the_rag_assistant_plan_loads_each_kind_as_its_model() -> None:
    plan = load_plan(RAG)

    kinds = [type(r) for r in plan.resources]
    assert kinds == [EcsService, DynamoDbGlobalTable, EventSourceMapping, Schedule]
    assert [r.serving for r in plan.resources] == [True, False, False, False]


def test_a_plan_without_resources_has_none(document: dict[str, Any]) -> None:
    del document["resources"]

    assert parse_plan(document).resources == []


def _unknown_kind(plan: dict[str, Any]) -> None:
    plan["resources"][0]["kind"] = "eks-deployment"


def _service_missing_a_region(plan: dict[str, Any]) -> None:
    del plan["resources"][0]["clusters"]["us-west-2"]


def _foreign_schedule_region(plan: dict[str, Any]) -> None:
    plan["resources"][3]["schedules"]["eu-west-1"] = "rag-assistant-reindex-euw1"


def _mapping_not_a_uuid(plan: dict[str, Any]) -> None:
    plan["resources"][2]["mappings"]["us-east-1"] = "embedder"


def _standby_above_active(plan: dict[str, Any]) -> None:
    plan["resources"][0]["standby_count"] = 9


def _duplicate_name(plan: dict[str, Any]) -> None:
    plan["resources"][1]["name"] = plan["resources"][0]["name"]


def _name_outside_the_prefix(plan: dict[str, Any]) -> None:
    plan["resources"][1]["table"] = "sessions"


def _unknown_source_action(plan: dict[str, Any]) -> None:
    plan["resources"][2]["ungraceful"] = "maybe"


def _too_many(plan: dict[str, Any]) -> None:
    table = plan["resources"][1]
    plan["resources"] += [{**table, "name": f"{table['name']}-{i}"} for i in range(MAX_RESOURCES)]


def _rule_on_a_foreign_bus(plan: dict[str, Any]) -> None:
    rules = {"us-east-1": "rag-assistant-finetune-use1", "us-west-2": "rag-assistant-finetune-usw2"}
    plan["resources"].append({"kind": "eventbridge-rule", "name": "rag-assistant-finetune", "rules": rules})
    plan["resources"][-1]["event_bus"] = "pipelines"  # outside the grants' rule/<application>* ARNs


@pytest.mark.parametrize(
    ("breaks", "path"),
    [
        (_unknown_kind, "resources.0"),
        (_service_missing_a_region, "resources.0.clusters"),
        (_foreign_schedule_region, "resources.3.schedules"),
        (_mapping_not_a_uuid, "resources.2.event-source-mapping.mappings.us-east-1"),
        (_standby_above_active, "resources.0.ecs-service"),
        (_duplicate_name, "resources"),
        (_name_outside_the_prefix, "resources.1"),
        (_unknown_source_action, "resources.2.event-source-mapping.ungraceful"),
        (_rule_on_a_foreign_bus, "resources.4"),
        (
            _too_many,
            f"resources: Value error, a plan has at most {MAX_RESOURCES} resources, this one {MAX_RESOURCES + 4}",
        ),
    ],
    ids=lambda case: case.__name__.strip("_") if callable(case) else case,
)
def test_a_bad_resource_fails_to_load_naming_the_bad_field(
    document: dict[str, Any], breaks: Callable[[dict[str, Any]], None], path: str
) -> None:
    broken = copy.deepcopy(document)
    breaks(broken)

    with pytest.raises(PlanError) as raised:
        parse_plan(broken)

    assert f"{path}:" in str(raised.value)
