"""The least-privilege proof's own parts: the template's roles as CloudFormation would create them, the ARN a call is
authorised against, and IAM's matching (so the proof in tests/e2e/test_least_privilege.py can fail)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evacops.iam import Principal, Statement, allowed, grants, principals, resources
from evacops.localcloud.deploy import ACCOUNT, Stack, name_everything
from evacops.localcloud.faults import Call
from evacops.template import Resolver, defaults, evaluate_conditions, load_template

REGION = "us-west-2"


def call(service: str, operation: str, **params: object) -> Call:
    return Call(1, 0.0, "PlanFunction", REGION, service, operation, REGION, False, dict(params))


@pytest.fixture(scope="module")
def roles() -> dict[str, Principal]:
    return principals(REGION, {"HostedZoneId": "Z123"})


def test_sam_policy_templates_expand_to_statements_on_resolved_arns(roles: dict[str, Principal]) -> None:
    trigger = roles["TriggerFunction"].statements

    watch = f"arn:aws:states:{REGION}:123456789012:stateMachine:evac-fraud-scoring-confirm"

    assert any("states:StartExecution" in s.actions and watch in s.resources for s in trigger)


def test_a_call_is_allowed_only_by_a_statement_granting_its_action_on_its_resource(roles: dict[str, Principal]) -> None:
    read = call("dynamodb", "GetItem", TableName="evac-fraud-scoring-runs")
    plan = roles["PlanFunction"]
    without = replace(plan, statements=[s for s in plan.statements if "dynamodb:GetItem" not in s.actions])

    assert allowed(plan, read.action, resources(read))
    assert not allowed(without, read.action, resources(read))
    assert not allowed(plan, read.action, resources(call("dynamodb", "GetItem", TableName="someone-elses")))


@pytest.mark.parametrize("logical", ["RecoverResourcesFunction", "ArcActionFunction"])
def test_a_schedule_is_switched_in_scheduler_s_default_group_as_in_the_application_s_own(
    roles: dict[str, Principal], logical: str
) -> None:
    # A plan's schedule is in EventBridge Scheduler's "default" group unless it names one (plan_resources.Schedule)
    def schedule(group: str, name: str) -> list[str]:
        return [f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{name}"]

    role = roles[logical]

    assert allowed(role, "scheduler:UpdateSchedule", schedule("default", "fraud-scoring-nightly"))
    assert allowed(role, "scheduler:UpdateSchedule", schedule("fraud-scoring", "fraud-scoring-nightly"))
    assert not allowed(role, "scheduler:UpdateSchedule", schedule("default", "someone-elses"))


def test_resource_patterns_use_iam_wildcards_and_actions_ignore_case() -> None:
    statement = Statement(("rds:DescribeGlobalClusters",), ("arn:aws:rds::1:global-cluster:fraud-scoring*",), "t")

    assert grants(statement, "RDS:describeglobalclusters", "arn:aws:rds::1:global-cluster:fraud-scoring-global")
    assert not grants(statement, "rds:DescribeGlobalClusters", "arn:aws:rds::1:global-cluster:other")


def test_a_lambda_invoke_is_authorised_as_invoke_function_on_the_function() -> None:
    invoke = call("lambda", "Invoke", FunctionName="arn:aws:lambda:us-west-2:1:function:evac-PlanFunction")

    assert invoke.action == "lambda:InvokeFunction"
    assert resources(invoke) == ["arn:aws:lambda:us-west-2:1:function:evac-PlanFunction"]


def warm_list(logical: str, parameters: dict[str, str]) -> list[str]:
    """The function names ``logical``'s EVAC_WARM_FUNCTIONS holds in a stack deployed with ``parameters``."""
    template = load_template()
    resolver = Resolver(REGION, ACCOUNT, "evac", defaults(template) | parameters)
    evaluate_conditions(template, resolver)
    name_everything(template, resolver, Stack(region=REGION, name="evac"))
    variables = template["Resources"][logical]["Properties"]["Environment"]["Variables"]
    return [name for name in str(resolver.resolve(variables["EVAC_WARM_FUNCTIONS"])).split(",") if name]


def invokable(role: Principal) -> set[str]:
    return {r for s in role.statements if "lambda:InvokeFunction" in s.actions for r in s.resources}


@pytest.mark.parametrize("logical", ["TriggerFunction", "PlanFunction"])
def test_a_warming_function_may_invoke_exactly_the_functions_it_warms(logical: str) -> None:
    roles = principals(REGION, {"HostedZoneId": "Z123"})
    warmed = warm_list(logical, {"HostedZoneId": "Z123"})

    assert warmed
    assert invokable(roles[logical]) == {f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for name in warmed}


def test_the_warm_ups_cover_the_runbooks_lambda_steps_and_the_watchs_confirm_step() -> None:
    runbook = load_template()["Resources"]["FailoverRunbook"]["Properties"]["DefinitionSubstitutions"]
    steps = {f"evac-{key.removesuffix('Arn')}" for key in runbook if key.endswith("FunctionArn")}

    assert set(warm_list("TriggerFunction", {})) == steps | {"evac-ConfirmFunction"}
    assert set(warm_list("PlanFunction", {})) == steps - {"evac-PlanFunction"}  # it runs already


def test_with_warm_ups_switched_off_nothing_is_warmed_nor_granted() -> None:
    off = {"HostedZoneId": "Z123", "WarmRecoveryPath": "false"}
    roles = principals(REGION, off)

    for logical in ("TriggerFunction", "PlanFunction"):
        assert warm_list(logical, off) == []
        assert invokable(roles[logical]) == set()
