"""The recovery plan: the bundled plan loads, and a bad plan fails at load time naming the bad field."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from evac.domain.plan import DEFAULT_PLAN, RecoveryPlan, load_plan, parse_plan
from evac.domain.plan_inference import MAX_ENDPOINTS
from evac.errors import PlanError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture
def document() -> dict[str, Any]:
    """The bundled plan as plain data, for a test to break."""
    return dict(yaml.safe_load(DEFAULT_PLAN.read_text(encoding="utf-8")))


def write(tmp_path: Path, document: dict[str, Any], name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_bundled_plan_loads() -> None:
    plan = load_plan(DEFAULT_PLAN)

    assert plan.application == "fraud-scoring"
    assert plan.regions.both == ("us-east-1", "us-west-2")
    assert plan.peer("us-east-1") == "us-west-2"
    assert [e.name for e in plan.inference.endpoints] == ["fraud-scoring-xgb"]
    assert {a.name for a in plan.watching("us-east-1")} == {
        "fraud-scoring-probe-us-east-1-from-us-west-2",
        "fraud-scoring-probe-us-east-1-from-us-east-2",
        "fraud-scoring-inference-5xx",
        "fraud-scoring-health-check",
    }
    assert {a.name for a in plan.watching("us-west-2")} == {
        "fraud-scoring-usw2-inference-5xx",
        "fraud-scoring-usw2-health-check",
        "fraud-scoring-probe-us-west-2-from-us-east-1",
    }
    assert (plan.trigger.sustain_seconds, plan.trigger.quorum) == (60, 2)


def test_a_plan_in_json_loads_like_the_same_plan_in_yaml(tmp_path: Path, document: dict[str, Any]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    assert load_plan(path) == load_plan(DEFAULT_PLAN)


def _drop_secondary_cluster(plan: dict[str, Any]) -> None:
    del plan["database"]["clusters"]["us-west-2"]


def _foreign_cluster_region(plan: dict[str, Any]) -> None:
    plan["database"]["clusters"]["eu-west-9"] = "fraud-scoring-euw9"


def _alarm_on_unknown_endpoint(plan: dict[str, Any]) -> None:
    plan["alarms"][0]["endpoint"] = "fraud-scoring-llm"


def _same_primary_and_secondary(plan: dict[str, Any]) -> None:
    plan["regions"]["secondary"] = plan["regions"]["primary"]


def _unknown_field(plan: dict[str, Any]) -> None:
    plan["inference"]["endpoints"][0]["instance_typo"] = "ml.g5.xlarge"


def _alarm_watching_a_foreign_region(plan: dict[str, Any]) -> None:
    plan["alarms"][1]["watches"] = "eu-west-1"


def _standby_above_active(plan: dict[str, Any]) -> None:
    plan["inference"]["endpoints"][0]["standby_instances"] = 9


def _bad_region_name(plan: dict[str, Any]) -> None:
    plan["regions"]["primary"] = "US East"


def _fractional_percent_share(plan: dict[str, Any]) -> None:
    plan["dns"]["shift"] = {"policy": "follow-capacity", "minimum_share": 0.125}


def _unknown_shift_policy(plan: dict[str, Any]) -> None:
    plan["dns"]["shift"] = {"policy": "shift-then-scale"}


def _first_instance_after_the_last(plan: dict[str, Any]) -> None:
    plan["expectations"] = {"endpoint_scale_up_seconds": 300, "endpoint_first_instance_seconds": 400}


@pytest.mark.parametrize(
    ("breaks", "path"),
    [
        (_drop_secondary_cluster, "database.clusters"),
        (_foreign_cluster_region, "database.clusters"),
        (_alarm_on_unknown_endpoint, "alarms.0.endpoint"),
        (_same_primary_and_secondary, "regions"),
        (_unknown_field, "inference.endpoints.0.instance_typo"),
        (_alarm_watching_a_foreign_region, "alarms.1.watches"),
        (_standby_above_active, "inference.endpoints.0"),
        (_bad_region_name, "regions.primary"),
        (_fractional_percent_share, "dns.shift"),
        (_unknown_shift_policy, "dns.shift.policy"),
        (_first_instance_after_the_last, "expectations"),
    ],
    ids=lambda case: case.__name__.strip("_") if callable(case) else case,
)
def test_a_bad_plan_fails_to_load_naming_the_bad_field(
    tmp_path: Path, document: dict[str, Any], breaks: Callable[[dict[str, Any]], None], path: str
) -> None:
    broken = copy.deepcopy(document)
    breaks(broken)

    with pytest.raises(PlanError) as raised:
        load_plan(write(tmp_path, broken))

    assert f"{path}:" in str(raised.value)


def test_a_plan_that_is_not_yaml_fails_to_load_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("application: fraud-scoring\nregions: [us-east-1\n", encoding="utf-8")

    with pytest.raises(PlanError, match="is not valid YAML") as raised:
        load_plan(path)

    assert str(path) in str(raised.value)


def test_a_missing_plan_file_fails_to_load_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(PlanError, match="cannot read plan") as raised:
        load_plan(path)

    assert str(path) in str(raised.value)


def test_the_peer_of_a_region_outside_the_plan_is_a_plan_error(plan: RecoveryPlan) -> None:
    with pytest.raises(PlanError, match="eu-west-1"):
        plan.peer("eu-west-1")


# --- readiness targets and fallback instance types --------------------------------------------------------------------
def test_a_plan_without_readiness_targets_or_fallbacks_still_loads(tmp_path: Path, document: dict[str, Any]) -> None:
    del document["readiness"]
    del document["inference"]["endpoints"][0]["fallback_instance_types"]

    plan = load_plan(write(tmp_path, document))

    assert plan.readiness.buckets == plan.readiness.feature_store_tables == []
    assert plan.readiness.model_package_group is None
    assert plan.inference.endpoints[0].instance_types == ["ml.g4dn.xlarge"]


def test_a_readiness_bucket_must_be_named_in_both_regions(tmp_path: Path, document: dict[str, Any]) -> None:
    del document["readiness"]["buckets"][1]["names"]["us-west-2"]

    with pytest.raises(PlanError, match=r"readiness\.buckets\.1\.names: missing region\(s\) \['us-west-2'\]"):
        load_plan(write(tmp_path, document))


def test_a_fallback_instance_type_may_not_repeat_the_instance_type(tmp_path: Path, document: dict[str, Any]) -> None:
    document["inference"]["endpoints"][0]["fallback_instance_types"] = ["ml.g4dn.xlarge"]

    with pytest.raises(PlanError, match=r"inference\.endpoints\.0: .*fallback_instance_types must differ"):
        load_plan(write(tmp_path, document))


@pytest.mark.parametrize(("endpoints", "loads"), [(MAX_ENDPOINTS, True), (MAX_ENDPOINTS + 1, False)])
def test_a_plan_has_at_most_as_many_endpoints_as_a_run_can_carry(
    tmp_path: Path, document: dict[str, Any], endpoints: int, loads: bool
) -> None:
    first = document["inference"]["endpoints"][0]
    document["inference"]["endpoints"] = [first] + [
        {**first, "name": f"{first['name']}-{i}"} for i in range(1, endpoints)
    ]
    path = write(tmp_path, document)

    if loads:
        assert len(load_plan(path).inference.endpoints) == MAX_ENDPOINTS
        return
    with pytest.raises(
        PlanError, match=rf"inference: .*at most {MAX_ENDPOINTS} endpoints, this one {endpoints}.*256 KiB"
    ):
        load_plan(path)


def test_an_unknown_readiness_field_is_named(tmp_path: Path, document: dict[str, Any]) -> None:
    document["readiness"]["ecr_repository"] = ["typo"]

    with pytest.raises(PlanError, match=r"readiness\.ecr_repository: Extra inputs are not permitted"):
        load_plan(write(tmp_path, document))


def test_traffic_moves_all_at_once_unless_the_plan_says_it_follows_capacity(document: dict[str, Any]) -> None:
    assert load_plan(DEFAULT_PLAN).dns.shift.policy == "scale-then-shift"

    document["dns"]["shift"] = {"policy": "follow-capacity", "minimum_share": 0.3, "step": 0.2}
    shift = parse_plan(document).dns.shift

    assert (shift.policy, shift.minimum_percent, shift.step_percent) == ("follow-capacity", 30, 20)
