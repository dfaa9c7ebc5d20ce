"""`evac plan export --arc`: every plan in the repository exports a CreatePlan request botocore's ARC Region switch
model accepts, with the blocks a user relies on (the Aurora global database, each SageMaker endpoint's capacity, the
traffic shift of the plan's dns.mechanism), and the validator rejects a request that breaks the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator
from typer.testing import CliRunner

from evac.domain.arc_action import ArcEvent, check_action
from evac.domain.plan import DEFAULT_PLAN, RecoveryPlan, load_plan, parse_plan
from evac.domain.plan_resources import KINDS
from evac.errors import InvalidInputError
from evacops.arc.export import (
    ACTION_FUNCTION,
    PLACEHOLDER_ACCOUNT,
    PROMOTE_KINDS,
    Target,
    create_plan_request,
)
from evacops.arc.validate import create_plan_model, problems
from evacops.cli import app

ROOT = Path(__file__).resolve().parents[2]
# A glob, so a plan added later is exported and validated too.
RAG_PLAN = ROOT / "functions" / "evac" / "plans" / "rag-assistant.yaml"
PLANS = sorted([*(ROOT / "functions" / "evac" / "plans").glob("*.yaml"), *(ROOT / "tests" / "plans").glob("*.yaml")])
TARGET = Target(account=PLACEHOLDER_ACCOUNT, stack_name="evac-app")
runner = CliRunner()


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of a workflow, those inside Parallel blocks included."""
    found = []
    for step in workflow["steps"]:
        found.append(step)
        if step["executionBlockType"] == "Parallel":
            found += step["executionBlockConfiguration"]["parallelConfig"]["steps"]
    return found


def of_type(workflow: dict[str, Any], block_type: str) -> list[dict[str, Any]]:
    return [s for s in steps(workflow) if s["executionBlockType"] == block_type]


def evac_actions(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    """The custom actions that run evac's own function (the others run the application's: a custom resource)."""
    return [
        s
        for s in of_type(workflow, "CustomActionLambda")
        if ACTION_FUNCTION in s["executionBlockConfiguration"]["customActionLambdaConfig"]["lambdas"][0]["arn"]
    ]


def payload(step: dict[str, Any]) -> dict[str, Any]:
    lambdas = step["executionBlockConfiguration"]["customActionLambdaConfig"]["lambdas"]
    return json.loads(lambdas[0]["payload"])["evac"]


def with_dns(plan: RecoveryPlan, **dns: object) -> RecoveryPlan:
    document = plan.model_dump(mode="json")
    document["dns"] |= dns
    return parse_plan(document)


def routing_control(plan: RecoveryPlan) -> RecoveryPlan:
    arn = "arn:aws:route53-recovery-control::111122223333:controlpanel/cp/routingcontrol/{}"
    regions = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2")
    return with_dns(
        plan,
        mechanism="routing-control",
        health_check_switch=None,
        routing_control={
            "cluster_endpoints": [
                {"region": r, "endpoint": f"https://host-{i}.example.com/v1"} for i, r in enumerate(regions)
            ],
            "controls": {"us-east-1": arn.format("use1"), "us-west-2": arn.format("usw2")},
        },
    )


def test_the_repository_has_plans_to_export() -> None:
    assert DEFAULT_PLAN in PLANS


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_every_plan_exports_a_request_botocore_accepts(path: Path) -> None:
    request = create_plan_request(load_plan(path), TARGET)

    report = ParamValidator().validate(request, create_plan_model().input_shape)
    assert not report.has_errors(), report.generate_report()
    assert problems(request) == []


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_each_region_has_an_activate_workflow_that_promotes_its_aurora_cluster(path: Path) -> None:
    plan = load_plan(path)
    request = create_plan_request(plan, TARGET)

    assert request["regions"] == list(plan.regions.both)
    assert request["primaryRegion"] == plan.regions.primary
    assert [(w["workflowTargetAction"], w["workflowTargetRegion"]) for w in request["workflows"]] == [
        ("activate", r) for r in plan.regions.both
    ]
    for workflow in request["workflows"]:
        (aurora,) = of_type(workflow, "AuroraGlobalDatabase")
        config = aurora["executionBlockConfiguration"]["globalAuroraConfig"]
        assert config["globalClusterIdentifier"] == plan.database.global_cluster
        assert config["databaseClusterArns"] == [
            f"arn:aws:rds:{r}:{PLACEHOLDER_ACCOUNT}:cluster:{plan.database.clusters[r]}" for r in plan.regions.both
        ]
        # switchover (no data loss) when graceful, failover when the old region cannot take part
        assert (config["behavior"], config["ungraceful"]) == ("switchoverOnly", {"ungraceful": "failover"})


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_every_sagemaker_endpoint_is_a_custom_action_of_evacs_stack_in_the_activating_region(path: Path) -> None:
    plan = load_plan(path)
    for workflow in create_plan_request(plan, TARGET)["workflows"]:
        actions = {payload(s).get("endpoint"): s for s in evac_actions(workflow)}
        for endpoint in plan.inference.endpoints:
            config = actions[endpoint.name]["executionBlockConfiguration"]["customActionLambdaConfig"]
            assert config["regionToRun"] == "activatingRegion"
            assert [lam["arn"] for lam in config["lambdas"]] == [
                f"arn:aws:lambda:{r}:{PLACEHOLDER_ACCOUNT}:function:evac-app-ArcActionFunction"
                for r in plan.regions.both
            ]
        # what else ARC has no block for: readiness before, the canary and evac's record after
        assert {payload(s)["step"] for s in evac_actions(workflow)} >= {
            "preflight",
            "verify",
            "record",
        }


def test_a_health_check_switch_plan_shifts_traffic_with_routes_53_health_check_block() -> None:
    plan = load_plan(DEFAULT_PLAN)
    assert plan.dns.mechanism == "health-check-switch"
    target = Target(account=PLACEHOLDER_ACCOUNT, stack_name="evac-app", hosted_zone_id="Z123")

    for workflow in create_plan_request(plan, target)["workflows"]:
        (shift,) = of_type(workflow, "Route53HealthCheck")
        config = shift["executionBlockConfiguration"]["route53HealthCheckConfig"]
        assert (config["hostedZoneId"], config["recordName"]) == ("Z123", plan.dns.record_name)
        assert config["recordSets"] == [
            {"recordSetIdentifier": plan.dns.set_identifiers[r], "region": r} for r in plan.regions.both
        ]


def test_a_routing_control_plan_turns_the_activated_regions_control_on_and_its_peers_off() -> None:
    plan = routing_control(load_plan(DEFAULT_PLAN))
    request = create_plan_request(plan, TARGET)

    assert problems(request) == []
    for workflow in request["workflows"]:
        assert of_type(workflow, "Route53HealthCheck") == []
        (shift,) = of_type(workflow, "ARCRoutingControl")
        region = workflow["workflowTargetRegion"]
        states = shift["executionBlockConfiguration"]["arcRoutingControlConfig"]["regionAndRoutingControls"]
        assert states == {
            r: [{"routingControlArn": plan.dns.routing_control.controls[r], "state": "On" if r == region else "Off"}]
            for r in plan.regions.both
        }


def test_a_record_weights_plan_moves_the_weights_with_evacs_shift_dns_step() -> None:
    plan = with_dns(load_plan(DEFAULT_PLAN), mechanism="record-weights", health_check_switch=None)
    request = create_plan_request(plan, TARGET)

    assert problems(request) == []
    for workflow in request["workflows"]:
        assert of_type(workflow, "Route53HealthCheck") == of_type(workflow, "ARCRoutingControl") == []
        (shift,) = [s for s in of_type(workflow, "CustomActionLambda") if payload(s)["step"] == "shift-dns"]
        lambdas = shift["executionBlockConfiguration"]["customActionLambdaConfig"]["lambdas"]
        assert all(lam["arn"].endswith(":function:evac-app-ArcActionFunction") for lam in lambdas)


def test_an_approval_role_puts_an_approval_first_in_every_workflow() -> None:
    role = f"arn:aws:iam::{PLACEHOLDER_ACCOUNT}:role/game-day-approvers"
    target = Target(account=PLACEHOLDER_ACCOUNT, stack_name="evac-app", approval_role_arn=role)
    request = create_plan_request(load_plan(DEFAULT_PLAN), target)

    assert problems(request) == []
    for workflow in request["workflows"]:
        first = workflow["steps"][0]
        assert first["executionBlockType"] == "ManualApproval"
        assert first["executionBlockConfiguration"]["executionApprovalConfig"]["approvalRole"] == role


# --- Negative controls: the same validator rejects what breaks the model --------------------------------------------


def test_a_request_missing_a_required_member_is_rejected() -> None:
    request = create_plan_request(load_plan(DEFAULT_PLAN), TARGET)
    del request["workflows"][0]["steps"][1]["executionBlockConfiguration"]["parallelConfig"]["steps"][0]["name"]

    assert problems(request) == [
        "Missing required parameter in workflows[0].steps[1].executionBlockConfiguration.parallelConfig.steps[0]: "
        '"name"'
    ]


def test_a_value_outside_the_models_enum_is_rejected_though_botocore_alone_lets_it_pass() -> None:
    request = create_plan_request(load_plan(DEFAULT_PLAN), TARGET)
    aurora = request["workflows"][0]["steps"][1]["executionBlockConfiguration"]["parallelConfig"]["steps"][0]
    aurora["executionBlockConfiguration"]["globalAuroraConfig"]["behavior"] = "switchover"

    assert not ParamValidator().validate(request, create_plan_model().input_shape).has_errors()
    (problem,) = problems(request)
    assert "globalAuroraConfig.behavior: 'switchover', must be one of: switchoverOnly, failover" in problem


# --- The command -----------------------------------------------------------------------------------------------------


def test_the_command_prints_the_validated_request() -> None:
    result = runner.invoke(app, ["plan", "export", "--arc", "--stack-name", "evac-app"])

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == create_plan_request(load_plan(DEFAULT_PLAN), TARGET)


def test_the_command_writes_the_request_to_out(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", "export", "--arc", "--out", str(out), "--account", "444455556666"])

    assert result.exit_code == 0, result.stderr
    request = json.loads(out.read_text(encoding="utf-8"))
    assert request["executionRole"] == "arn:aws:iam::444455556666:role/evac-fraud-scoring-arc"
    assert result.stdout == ""


def test_the_command_exits_2_with_the_models_report_and_prints_no_request() -> None:
    result = runner.invoke(app, ["plan", "export", "--arc", "--execution-role-arn", "evac-arc"])

    assert result.exit_code == 2
    assert "executionRole: 'evac-arc' does not match the pattern" in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_the_command_needs_a_format() -> None:
    result = runner.invoke(app, ["plan", "export"])

    assert result.exit_code == 2
    assert "--arc" in result.stderr


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_every_custom_action_payload_is_one_evacs_arc_action_function_accepts(path: Path) -> None:
    plan = load_plan(path)
    for workflow in create_plan_request(plan, TARGET)["workflows"]:
        for action in evac_actions(workflow):
            for lam in action["executionBlockConfiguration"]["customActionLambdaConfig"]["lambdas"]:
                # as ARC invokes it: the payload with its execution metadata merged into the top level
                event = ArcEvent.model_validate({**json.loads(lam["payload"]), "ExecutionId": "e1", "StepName": "s"})
                check_action(event.evac, plan)


def test_a_gpu_fleet_is_ec2_auto_scaling_and_a_custom_resource_is_the_applications_own_custom_action() -> None:
    plan = load_plan(ROOT / "tests" / "plans" / "rag-gpu-fleet.yaml")
    workflow = create_plan_request(plan, TARGET)["workflows"][1]  # activating us-west-2

    [fleet] = of_type(workflow, "EC2AutoScaling")
    config = fleet["executionBlockConfiguration"]["ec2AsgCapacityIncreaseConfig"]
    assert [a["arn"].rsplit("/", 1)[-1] for a in config["asgs"]] == [
        "rag-assistant-embed-gpu-use1",
        "rag-assistant-embed-gpu-usw2",
    ]
    assert (config["targetPercent"], config["waitELBTargetGroupHealthy"]) == (100, "enabled")
    [warmer] = [s for s in of_type(workflow, "CustomActionLambda") if s["name"] == "custom-rag-assistant-warm-cache"]
    config = warmer["executionBlockConfiguration"]["customActionLambdaConfig"]
    assert config["regionToRun"] == "activatingRegion"
    assert config["timeoutMinutes"] == 2  # the plan's 120 s
    assert {lam["arn"].split(":")[3] for lam in config["lambdas"]} == {"us-east-1", "us-west-2"}
    assert all(lam["arn"].endswith(":function:rag-assistant-warm-cache") for lam in config["lambdas"])


def test_every_resource_kind_is_exported() -> None:
    assert set(KINDS) <= set(PROMOTE_KINDS)


def test_a_global_table_and_a_schedule_are_evacs_recover_resource_step_in_the_promote_stage() -> None:
    plan = load_plan(RAG_PLAN)
    for workflow in create_plan_request(plan, TARGET)["workflows"]:
        [promote] = [s for s in workflow["steps"] if s["name"] == "promote"]
        parallel = {s["name"]: s for s in promote["executionBlockConfiguration"]["parallelConfig"]["steps"]}
        table, schedule = parallel["replica-rag-assistant-sessions"], parallel["enable-rag-assistant-reindex"]
        assert (payload(table), payload(schedule)) == (
            {"step": "recover-resource", "application": "rag-assistant", "resource": "rag-assistant-sessions"},
            {"step": "recover-resource", "application": "rag-assistant", "resource": "rag-assistant-reindex"},
        )
        for found in (table, schedule):
            config = found["executionBlockConfiguration"]["customActionLambdaConfig"]
            assert (config["regionToRun"], config["retryIntervalMinutes"]) == ("activatingRegion", 1.0)
            assert [lam["arn"] for lam in config["lambdas"]] == [
                f"arn:aws:lambda:{r}:{PLACEHOLDER_ACCOUNT}:function:evac-app-ArcActionFunction"
                for r in plan.regions.both
            ]
        region = workflow["workflowTargetRegion"]
        assert (
            f"rag-assistant-reindex-{'usw2' if region == 'us-west-2' else 'use1'}: enabled in {region}"
            in (schedule["description"])
        )


def test_an_eventbridge_rule_is_evacs_recover_resource_step_enabling_it_here_and_disabling_it_in_the_peer() -> None:
    plan = load_plan(ROOT / "tests" / "plans" / "rag-gpu-fleet.yaml")
    for workflow in create_plan_request(plan, TARGET)["workflows"]:
        [promote] = [s for s in workflow["steps"] if s["name"] == "promote"]
        parallel = {s["name"]: s for s in promote["executionBlockConfiguration"]["parallelConfig"]["steps"]}
        rule = parallel["enable-rag-assistant-finetune"]
        region = workflow["workflowTargetRegion"]
        suffix, peer = ("usw2", "us-east-1") if region == "us-west-2" else ("use1", "us-west-2")

        assert payload(rule) == {
            "step": "recover-resource",
            "application": "rag-assistant",
            "resource": "rag-assistant-finetune",
        }
        assert (
            f"default/rag-assistant-finetune-{suffix}: enabled in {region}, disabled in {peer}" in rule["description"]
        )


def test_a_recover_resource_payload_naming_a_kind_arcs_own_block_recovers_is_refused() -> None:
    plan = load_plan(RAG_PLAN)
    event = {"evac": {"step": "recover-resource", "application": "rag-assistant"}, "ExecutionId": "e1"}

    for name, problem in (
        ("rag-assistant-api", "is of kind ecs-service"),
        ("nope", "is not one of the plan's resources"),
    ):
        event["evac"]["resource"] = name
        with pytest.raises(InvalidInputError, match=f"evac.resource: '{name}' {problem}"):
            check_action(ArcEvent.model_validate(event).evac, plan)


@pytest.mark.parametrize("path", [RAG_PLAN, ROOT / "tests" / "plans" / "rag-gpu-fleet.yaml"], ids=lambda p: p.name)
def test_an_ecs_service_is_arcs_ecs_service_scaling_block_with_both_regions_service(path: Path) -> None:
    plan = load_plan(path)
    assert path in PLANS  # validated against botocore's model by the tests above
    for workflow in create_plan_request(plan, TARGET)["workflows"]:
        [api] = of_type(workflow, "ECSServiceScaling")
        assert api["name"] == "capacity-rag-assistant-api"
        [promote] = [s for s in workflow["steps"] if s["name"] == "promote"]
        assert api in promote["executionBlockConfiguration"]["parallelConfig"]["steps"]
        config = api["executionBlockConfiguration"]["ecsCapacityIncreaseConfig"]
        assert config["services"] == [
            {
                "clusterArn": f"arn:aws:ecs:{r}:{PLACEHOLDER_ACCOUNT}:cluster/{c}",
                "serviceArn": f"arn:aws:ecs:{r}:{PLACEHOLDER_ACCOUNT}:service/{c}/rag-assistant-api",
            }
            for r, c in (("us-east-1", "rag-assistant-use1"), ("us-west-2", "rag-assistant-usw2"))
        ]
        assert (config["targetPercent"], config["waitELBTargetGroupHealthy"]) == (100, "enabled")
        assert config["timeoutMinutes"] == 3  # twice the plan's 90 s


def test_a_stream_consumer_is_disabled_in_the_deactivating_region_before_enabled_in_the_activating_one() -> None:
    plan = load_plan(RAG_PLAN)
    use1 = f"arn:aws:lambda:us-east-1:{PLACEHOLDER_ACCOUNT}:event-source-mapping:6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a41"
    usw2 = f"arn:aws:lambda:us-west-2:{PLACEHOLDER_ACCOUNT}:event-source-mapping:8e2d3c4b-5a6f-4b70-9c8d-0e1f2a3b4c52"
    for workflow in create_plan_request(plan, TARGET)["workflows"]:
        names = [s["name"] for s in workflow["steps"]]
        # before the promote stage, not inside it: the source stops consuming before the target starts
        assert names.index("disable-rag-assistant-embedder") == names.index("promote") - 1
        disable, enable = of_type(workflow, "LambdaEventSourceMapping")
        disabled = disable["executionBlockConfiguration"]["lambdaEventSourceMappingConfig"]
        enabled = enable["executionBlockConfiguration"]["lambdaEventSourceMappingConfig"]
        # keyed by the region activated: its own mapping enabled, its peer's disabled
        assert (disabled["action"], disabled["regionEventSourceMappings"]) == (
            "disable",
            {"us-east-1": {"arn": usw2}, "us-west-2": {"arn": use1}},
        )
        assert (enabled["action"], enabled["regionEventSourceMappings"]) == (
            "enable",
            {"us-east-1": {"arn": use1}, "us-west-2": {"arn": usw2}},
        )
        # an outage: never wait on the failing region; the target's consumer is enabled all the same
        assert disabled["ungraceful"] == {"behavior": "skip"}
        assert "ungraceful" not in enabled


def test_a_consumer_the_plan_leaves_running_in_the_source_gets_no_disable_block() -> None:
    document = load_plan(RAG_PLAN).model_dump(mode="json")
    [mapping] = [r for r in document["resources"] if r["kind"] == "event-source-mapping"]
    mapping["graceful"] = "skip"
    request = create_plan_request(parse_plan(document), TARGET)

    assert problems(request) == []
    for workflow in request["workflows"]:
        [enable] = of_type(workflow, "LambdaEventSourceMapping")
        assert enable["name"] == "enable-rag-assistant-embedder"
