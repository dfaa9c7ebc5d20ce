"""Deploy ``template.yaml`` into one region of the local cloud, as CloudFormation would after the SAM transform.

Functions, the runbook (its real ASL with DefinitionSubstitutions filled), the table, the topic and the EventBridge
rules are created through moto's APIs from the template's own properties. Function code is not uploaded: the local
cloud's Lambda runtime imports each function's ``Handler`` from this checkout's ``functions/``.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

import boto3

from evacops.localcloud.reuse import parsed_template
from evacops.template import (
    ROOT,
    Resolver,
    defaults,
    evaluate_conditions,
    functions,
    present,
    state_machines,
    substitute,
)

ACCOUNT = "123456789012"
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@dataclass
class Rule:
    """An EventBridge rule: its pattern and where matching events go (a function, or another region's bus)."""

    name: str
    pattern: dict[str, Any]
    function_arn: str | None = None
    bus_arn: str | None = None


@dataclass
class Schedule:
    """An EventBridge Scheduler schedule (a function's ``ScheduleV2`` event): its rate and its target."""

    name: str
    expression: str
    function_arn: str
    input: str = "{}"
    function: str = ""  # the target's logical id in template.yaml


@dataclass
class Stack:
    region: str
    name: str
    function_arns: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    environments: dict[str, dict[str, str]] = field(default_factory=dict)  # function ARN -> variables
    state_machine_arns: dict[str, str] = field(default_factory=dict)
    table: str = ""
    topic_arn: str = ""
    rules: list[Rule] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)  # the CloudWatch alarms the template created

    @property
    def runbook_arn(self) -> str:
        return self.state_machine_arns["FailoverRunbook"]


def deploy(region: str, parameters: dict[str, Any], *, stack_name: str = "evac") -> Stack:
    """Create the stack's resources in ``region``; ``parameters`` override the template's defaults."""
    template = parsed_template()  # template.yaml as CloudFormation reads it, parsed once per content
    resolver = Resolver(region, ACCOUNT, stack_name, defaults(template) | parameters)
    template = present(template, evaluate_conditions(template, resolver))  # a witness stack is the probes alone
    stack = Stack(region=region, name=stack_name)
    name_everything(template, resolver, stack)
    if stack.table:
        _create_table(template, stack)
    _create_keys(template, resolver, stack)
    if stack.topic_arn:
        _create_topic(template, resolver, stack)
    _create_parameters(template, resolver, stack)
    _create_functions(template, resolver, stack)
    _create_state_machines(template, resolver, stack)
    _create_rules(template, resolver, stack)
    _create_alarms(template, resolver, stack)
    return stack


def name_everything(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    """Physical names and ARNs first, so every Ref and GetAtt resolves whatever the creation order."""
    arn = f"{region_account(resolver)}"
    for logical, resource in template["Resources"].items():
        kind = resource["Type"]
        name = f"{stack.name}-{logical}"
        if kind == "AWS::Serverless::Function":
            function_arn = f"arn:aws:lambda:{arn}:function:{name}"
            resolver.refs[logical] = name
            resolver.attributes[(logical, "Arn")] = function_arn
            stack.function_arns[logical] = function_arn
        elif kind == "AWS::Serverless::StateMachine":
            sm_name = resolver.resolve(resource["Properties"].get("Name", name))
            resolver.refs[logical] = f"arn:aws:states:{arn}:stateMachine:{sm_name}"
            resolver.attributes[(logical, "Name")] = sm_name
            stack.state_machine_arns[logical] = resolver.refs[logical]
        elif kind == "AWS::DynamoDB::Table":
            name = resolver.resolve(resource["Properties"].get("TableName", name))
            resolver.refs[logical] = name
            resolver.attributes[(logical, "Arn")] = f"arn:aws:dynamodb:{arn}:table/{name}"
            stack.table = name
        elif kind == "AWS::SNS::Topic":
            resolver.refs[logical] = f"arn:aws:sns:{arn}:{name}"
            resolver.attributes[(logical, "TopicName")] = name
            stack.topic_arn = resolver.refs[logical]
        elif kind == "AWS::KMS::Key":  # its ARN is the created key's (_create_keys); named here for the IAM proof
            resolver.refs[logical] = name
            resolver.attributes[(logical, "Arn")] = f"arn:aws:kms:{arn}:key/{name}"
        elif kind == "AWS::SQS::Queue":  # named (not created: nothing in the local cloud sends to it)
            resolver.refs[logical] = f"https://sqs.{resolver.region}.amazonaws.com/{resolver.account}/{name}"
            resolver.attributes[(logical, "Arn")] = f"arn:aws:sqs:{arn}:{name}"
            resolver.attributes[(logical, "QueueName")] = name
        elif kind == "AWS::IAM::Role":
            resolver.refs[logical] = name
            resolver.attributes[(logical, "Arn")] = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        elif kind == "AWS::Logs::LogGroup":
            group = resolver.resolve(resource["Properties"].get("LogGroupName", name))
            resolver.refs[logical] = group
            resolver.attributes[(logical, "Arn")] = f"arn:aws:logs:{arn}:log-group:{group}:*"


def region_account(resolver: Resolver) -> str:
    return f"{resolver.region}:{resolver.account}"


def _create_table(template: dict[str, Any], stack: Stack) -> None:
    props = next(r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table")
    boto3.client("dynamodb", stack.region).create_table(
        TableName=stack.table,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        BillingMode=props["BillingMode"],
    )


def _create_keys(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    """The template's KMS keys, with their key policies: SNS reads a topic's key policy (``fidelity/sns.py``)."""
    kms = boto3.client("kms", stack.region)
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::KMS::Key":
            policy = json.dumps(resolver.resolve(resource["Properties"]["KeyPolicy"]))
            key = kms.create_key(Policy=policy, Description=logical, BypassPolicyLockoutSafetyCheck=True)
            resolver.refs[logical] = key["KeyMetadata"]["KeyId"]
            resolver.attributes[(logical, "Arn")] = key["KeyMetadata"]["Arn"]


def _create_topic(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    props = next(r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Topic")
    key = resolver.resolve(props.get("KmsMasterKeyId", ""))
    attributes = {"KmsMasterKeyId": key} if key else {}
    boto3.client("sns", stack.region).create_topic(Name=stack.topic_arn.rsplit(":", 1)[-1], Attributes=attributes)


def _create_parameters(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    ssm = boto3.client("ssm", stack.region)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::SSM::Parameter":
            props = resolver.resolve(resource["Properties"])
            ssm.put_parameter(Name=props["Name"], Value=props["Value"], Type=props["Type"], Overwrite=True)


def _create_functions(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    iam = boto3.client("iam", stack.region)
    lam = boto3.client("lambda", stack.region)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as bundle:
        bundle.writestr("README", "The local cloud runs handlers from functions/ in-process.")
    for logical, props in functions(template).items():
        name = resolver.refs[logical]
        role = iam.create_role(RoleName=f"{name}-{stack.region}"[:64], AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"]
        variables = {k: str(resolver.resolve(v)) for k, v in props["Environment"]["Variables"].items()}
        lam.create_function(
            FunctionName=name,
            Runtime=props["Runtime"],
            Role=role,
            Handler=props["Handler"],
            Code={"ZipFile": code.getvalue()},
            Timeout=int(props.get("Timeout", 3)),
            MemorySize=int(props.get("MemorySize", 128)),
            Environment={"Variables": variables},
        )
        stack.environments[stack.function_arns[logical]] = variables | {
            "AWS_REGION": stack.region,
            "AWS_DEFAULT_REGION": stack.region,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "_HANDLER": props["Handler"],
        }


def _create_state_machines(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    sfn = boto3.client("stepfunctions", stack.region)
    iam = boto3.client("iam", stack.region)
    for logical, props in state_machines(template).items():
        definition = (ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
        substitutions = {k: str(resolver.resolve(v)) for k, v in props.get("DefinitionSubstitutions", {}).items()}
        role = iam.create_role(RoleName=f"{stack.name}-{logical}-{stack.region}"[:64], AssumeRolePolicyDocument=_TRUST)
        sfn.create_state_machine(
            name=resolver.attributes[(logical, "Name")],
            definition=substitute(definition, substitutions),
            roleArn=role["Role"]["Arn"],
        )


def _create_rules(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    events = boto3.client("events", stack.region)
    for logical, props in functions(template).items():
        for event_name, event in props.get("Events", {}).items():
            if event["Type"] == "ScheduleV2":
                schedule = resolver.resolve(event["Properties"])
                stack.schedules.append(
                    Schedule(
                        f"{stack.name}-{logical}{event_name}",
                        schedule["ScheduleExpression"],
                        stack.function_arns[logical],
                        schedule.get("Input", "{}"),
                        logical,
                    )
                )
                continue
            if event["Type"] not in ("EventBridgeRule", "CloudWatchEvent"):
                continue
            pattern = resolver.resolve(event["Properties"]["Pattern"])
            rule = Rule(f"{stack.name}-{logical}{event_name}", pattern, function_arn=stack.function_arns[logical])
            stack.rules.append(rule)
            events.put_rule(Name=rule.name, EventPattern=json.dumps(pattern))
            events.put_targets(Rule=rule.name, Targets=[{"Id": logical, "Arn": rule.function_arn}])
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Events::Rule":
            continue
        props = resolver.resolve(resource["Properties"])
        for target in props["Targets"]:
            rule = Rule(f"{stack.name}-{logical}", props["EventPattern"], bus_arn=target["Arn"])
            stack.rules.append(rule)
            events.put_rule(Name=rule.name, EventPattern=json.dumps(rule.pattern))


def _create_alarms(template: dict[str, Any], resolver: Resolver, stack: Stack) -> None:
    """The template's metric alarms, created with their own properties and actions (``fidelity/cloudwatch``'s
    ``AlarmActions`` publishes a state change to the alarm's topics); an alarm without ``AlarmName`` is named as
    CloudFormation would, after the stack and its logical id."""
    cloudwatch = boto3.client("cloudwatch", stack.region)
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resolver.resolve(resource["Properties"])
        name = props.get("AlarmName", f"{stack.name}-{logical}")
        actions = {k: props[k] for k in ("AlarmActions", "OKActions", "InsufficientDataActions") if k in props}
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace=props["Namespace"],
            MetricName=props["MetricName"],
            Dimensions=props.get("Dimensions", []),
            Statistic=props["Statistic"],
            Period=int(props["Period"]),
            EvaluationPeriods=int(props["EvaluationPeriods"]),
            DatapointsToAlarm=int(props.get("DatapointsToAlarm", props["EvaluationPeriods"])),
            Threshold=float(props["Threshold"]),
            ComparisonOperator=props["ComparisonOperator"],
            TreatMissingData=props.get("TreatMissingData", "missing"),
            **actions,
        )
        stack.alarms.append(name)
