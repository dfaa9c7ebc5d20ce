"""Least privilege, checked against what the drills actually called.

``principals()`` expands ``template.yaml`` with aws-sam-translator (SAM's policy templates become the IAM statements
CloudFormation would create) and resolves its intrinsics for one stack; ``resources(call)`` names the ARNs an
API call recorded by the local cloud acts on, as IAM would authorize it (the Service Authorization Reference's
resource types); ``allowed`` evaluates one call against a principal's statements. The test in
``tests/test_least_privilege.py`` puts them together.

Only the inline statements the template declares are evaluated: the AWS managed policies SAM attaches (basic
execution logging, X-Ray) are AWS's, and no recorded call needs them.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

from samtranslator.metrics.method_decorator import MetricsMethodWrapperSingleton
from samtranslator.translator.transform import transform

from evacops.localcloud.deploy import ACCOUNT, Stack, name_everything
from evacops.template import Resolver, defaults, evaluate_conditions, load_template, partition

if TYPE_CHECKING:
    from evacops.localcloud.faults import Call

# Where a template's code lives does not change its policies; the translator wants S3 URIs.
_BUNDLE = "s3://evac-bundle/functions.zip"
_LAYER = "s3://evac-bundle/dependencies.zip"
_DEFINITION = "s3://evac-bundle/definition.asl.json"


class _ManagedPolicies:
    """The translator's managed-policy loader, offline: evac names no managed policy by name."""

    def load(self) -> dict[str, str]:
        return {}


@dataclass(frozen=True)
class Statement:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    source: str  # the policy it came from: a SAM policy template's name, or "Statement"


@dataclass
class Principal:
    """A function's or the state machine's role: its logical id and the statements of its inline policies."""

    logical_id: str
    statements: list[Statement] = field(default_factory=list)


def principals(
    region: str, parameters: dict[str, Any] | None = None, *, stack_name: str = "evac"
) -> dict[str, Principal]:
    """Logical id of each function and state machine -> its role's statements, resolved for ``region``."""
    template = load_template()
    sam = copy.deepcopy(template)
    sam.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = _BUNDLE
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::StateMachine":
            resource["Properties"]["DefinitionUri"] = _DEFINITION
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = _LAYER
    with patch.dict(os.environ, {"AWS_DEFAULT_REGION": region, "AWS_REGION": region}):
        expanded = transform(sam, {}, _ManagedPolicies())
    # The translator times its own steps into a Metrics object whose publisher, offline, discards them; unpublished,
    # it warns "There are unpublished metrics" when collected, once per expansion, in the middle of evac's output.
    MetricsMethodWrapperSingleton.get_instance().publish()
    resolver = Resolver(region, ACCOUNT, stack_name, defaults(template) | (parameters or {}))
    evaluate_conditions(template, resolver)  # a conditional grant is there only when its condition holds
    name_everything(template, resolver, Stack(region=region, name=stack_name))
    found = {}
    for logical, resource in template["Resources"].items():
        if resource["Type"] not in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            continue
        role = expanded["Resources"].get(f"{logical}Role")
        if role is None:
            continue
        principal = Principal(logical)
        policies = [_chosen(resolver, p) for p in role["Properties"].get("Policies", [])]
        documents = [(p["PolicyName"], p["PolicyDocument"]) for p in policies if p is not None]
        for arn in role["Properties"].get("ManagedPolicyArns", []):  # the template's own managed policies, by Ref
            if isinstance(arn, dict) and list(arn) == ["Ref"]:
                managed = template["Resources"][arn["Ref"]]
                documents.append((arn["Ref"], managed["Properties"]["PolicyDocument"]))
        for name, document in documents:
            for raw in _list(resolve(resolver, document).get("Statement", [])):
                if raw.get("Effect") != "Allow" or "NotAction" in raw or "NotResource" in raw:
                    raise ValueError(f"{logical}: only plain Allow statements are evaluated, found {raw}")
                principal.statements.append(Statement(_strings(raw["Action"]), _strings(raw["Resource"]), name))
        found[logical] = principal
    return found


def _chosen(resolver: Resolver, policy: dict[str, Any]) -> dict[str, Any] | None:
    """A role's inline policy, or the branch its ``Fn::If`` takes in this stack (None: ``AWS::NoValue``)."""
    if list(policy) != ["Fn::If"]:
        return policy
    name, then, otherwise = policy["Fn::If"]
    chosen = then if resolver.conditions[name] else otherwise
    return None if chosen == {"Ref": "AWS::NoValue"} else chosen


def resolve(resolver: Resolver, value: Any) -> Any:
    """Resolve intrinsics, including ``Fn::Sub``'s list form that SAM's policy templates use."""
    if isinstance(value, dict) and list(value) == ["Fn::Sub"] and isinstance(value["Fn::Sub"], list):
        text, variables = value["Fn::Sub"]
        local = {name: str(resolve(resolver, v)) for name, v in variables.items()}
        text = re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: local.get(m.group(1), m.group(0)), text)
        return resolver.resolve({"Fn::Sub": text})
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub"):
        return resolver.resolve(value)
    if isinstance(value, dict):
        return {k: resolve(resolver, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(resolver, v) for v in value]
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _strings(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


# --- what a call needs -----------------------------------------------------------------------------------------------
def resources(  # noqa: PLR0911, PLR0912 - one case per API family
    call: Call, account: str = ACCOUNT, *, token_issuer: str | None = None
) -> list[str]:
    """The ARNs IAM authorizes ``call`` against ("*" where the action has no resource-level permissions).

    A task token does not say which state machine issued it; ``token_issuer`` does (its ARN).
    """
    params, region = call.params, call.region
    aws = partition(region)
    rds = f"arn:{aws}:rds:{region}:{account}"
    global_cluster = f"arn:{aws}:rds::{account}:global-cluster:{params.get('GlobalClusterIdentifier')}"
    endpoint = str(params.get("EndpointName", "")).lower()  # SageMaker ARNs are lower case
    sagemaker_endpoint = f"arn:{aws}:sagemaker:{region}:{account}:endpoint/{endpoint}"
    table = f"arn:{aws}:dynamodb:{region}:{account}:table/{params.get('TableName')}"
    sagemaker = f"arn:{aws}:sagemaker:{region}:{account}"
    bucket = f"arn:{aws}:s3:::{params.get('Bucket')}"
    match (call.service, call.operation):
        case ("sagemaker", "DescribeEndpointConfig" | "CreateEndpointConfig"):
            return [f"{sagemaker}:endpoint-config/{str(params['EndpointConfigName']).lower()}"]
        case ("sagemaker", "DescribeModel"):
            return [f"{sagemaker}:model/{str(params['ModelName']).lower()}"]
        case ("sagemaker", "DescribeModelPackageGroup"):
            return [f"{sagemaker}:model-package-group/{str(params['ModelPackageGroupName']).lower()}"]
        case ("sagemaker", "DescribeModelPackage"):  # named by its ARN (ListModelPackages returns them)
            return [str(params["ModelPackageName"]).lower()]
        case ("sagemaker", "ListModelPackages"):
            return ["*"]
        case ("sagemaker", "UpdateEndpoint"):  # authorized on the endpoint and the configuration it moves to
            config = str(params["EndpointConfigName"]).lower()
            return [sagemaker_endpoint, f"{sagemaker}:endpoint-config/{config}"]
        case ("s3", "HeadObject" | "GetObject"):
            return [f"{bucket}/{params.get('Key')}"]
        case ("s3", _):
            return [bucket]
        case ("ecr", "DescribeImages" | "DescribeRepositories"):
            names = params.get("repositoryNames") or [params.get("repositoryName")]
            return [f"arn:{aws}:ecr:{region}:{account}:repository/{name}" for name in names]
        case ("route53", "GetHealthCheck"):
            return [f"arn:{aws}:route53:::healthcheck/{params['HealthCheckId']}"]
        case ("rds", "DescribeGlobalClusters"):
            return [global_cluster]
        case ("rds", "DescribeDBClusters"):
            return [f"{rds}:cluster:{params.get('DBClusterIdentifier')}"]
        case ("rds", "FailoverGlobalCluster" | "SwitchoverGlobalCluster"):
            return [global_cluster, str(params["TargetDbClusterIdentifier"])]
        case ("sagemaker", _) | ("sagemaker-runtime", _):
            return [sagemaker_endpoint]
        case ("route53", "ListResourceRecordSets" | "ChangeResourceRecordSets"):
            return [f"arn:{aws}:route53:::hostedzone/{params['HostedZoneId']}"]
        case ("route53", "GetChange"):
            return [f"arn:{aws}:route53:::change/{str(params['Id']).rsplit('/', 1)[-1]}"]
        case ("dynamodb", _):
            return [table]
        case ("sns", "Publish"):
            return [str(params["TopicArn"])]
        case ("lambda", "Invoke"):
            function = str(params["FunctionName"])  # a name (a custom resource's) is the function in the call's region
            named = f"arn:{aws}:lambda:{region}:{account}:function:{function}"
            return [function if function.startswith("arn:") else named]
        case ("autoscaling", "UpdateAutoScalingGroup"):
            group = f"autoScalingGroup:{_GROUP_ID}:autoScalingGroupName/{params.get('AutoScalingGroupName')}"
            return [f"arn:{aws}:autoscaling:{region}:{account}:{group}"]
        case ("stepfunctions", "StartExecution"):
            return [str(params["stateMachineArn"])]
        case ("stepfunctions", "SendTaskSuccess" | "SendTaskFailure" | "SendTaskHeartbeat"):
            return [token_issuer or "*"]
        case ("cloudwatch", "DescribeAlarms"):
            return [f"arn:{aws}:cloudwatch:{region}:{account}:alarm:{name}" for name in params.get("AlarmNames", [])]
        case ("ecs", "DescribeServices" | "UpdateService"):
            names = params.get("services") or [params.get("service")]
            return [f"arn:{aws}:ecs:{region}:{account}:service/{params.get('cluster')}/{name}" for name in names]
        case ("lambda", "GetEventSourceMapping" | "UpdateEventSourceMapping"):
            return [f"arn:{aws}:lambda:{region}:{account}:event-source-mapping:{params.get('UUID')}"]
        case ("scheduler", "GetSchedule" | "UpdateSchedule"):
            group = params.get("GroupName") or "default"
            return [f"arn:{aws}:scheduler:{region}:{account}:schedule/{group}/{params.get('Name')}"]
        case ("events", "DescribeRule" | "EnableRule" | "DisableRule"):
            bus = params.get("EventBusName") or "default"
            rule = params.get("Name") if bus == "default" else f"{bus}/{params.get('Name')}"
            return [f"arn:{aws}:events:{region}:{account}:rule/{rule}"]
        case ("ssm", "GetParameter"):
            return [f"arn:{aws}:ssm:{region}:{account}:parameter/{str(params['Name']).lstrip('/')}"]
    return ["*"]


def grants(statement: Statement, action: str, resource: str) -> bool:
    """Whether ``statement`` allows ``action`` on ``resource`` (IAM's wildcards: ``*`` and ``?``; actions are
    case-insensitive, resources are not)."""
    return any(fnmatchcase(action.lower(), a.lower()) for a in statement.actions) and any(
        fnmatchcase(resource, r) for r in statement.resources
    )


def allowed(principal: Principal, action: str, arns: list[str]) -> bool:
    """Whether the principal may call ``action`` on every one of ``arns``."""
    return all(any(grants(s, action, arn) for s in principal.statements) for arn in arns)


# An Auto Scaling group's ARN holds an id AWS assigns; grants name the group by name, any id.
_GROUP_ID: Final = "6f1c2b3a-0000-4f60-8a7b-9c0d1e2f3a41"

# Actions whose Service Authorization Reference entry lists no resource type: "*" is the only Resource they take.
NO_RESOURCE_LEVEL: Final = frozenset(
    {
        "cloudwatch:GetMetricStatistics",
        "route53:ListHostedZonesByName",
        "application-autoscaling:DescribeScalableTargets",
        "autoscaling:DescribeAutoScalingGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)
