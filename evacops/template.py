"""Read ``template.yaml`` as CloudFormation would: the SAM resources, with intrinsic functions resolved.

The local cloud deploys from this, and the template checks in ``tests/`` read it, so nothing is declared twice.
Only the intrinsics evac's template uses are resolved: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` (string form), ``Fn::If``,
``Fn::Join`` and, in ``Conditions``, ``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or`` and ``Condition``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML with CloudFormation's short-form tags (``!Ref X`` -> ``{"Ref": "X"}``). libyaml's parser when PyYAML has
    it (the same documents, fifteen times faster: 25 ms for template.yaml instead of 370), else PyYAML's own."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@cache
def partition(region: str) -> str:
    """The ARN partition of ``region``: ``aws``, ``aws-cn`` (cn-north-1), ``aws-us-gov`` (us-gov-west-1)...
    as botocore's endpoint data says (what ``AWS::Partition`` is in a stack there). A global service's pseudo region
    names its partition: ``aws-global`` (Route 53, IAM) is ``aws``, ``aws-cn-global`` is ``aws-cn``."""
    if region.endswith("-global"):
        return region.removesuffix("-global")
    return str(boto3.session.Session().get_partition_for_region(region))


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return dict(document)


@dataclass
class Resolver:
    """Resolves intrinsics for one stack in one region, given parameter values and physical names."""

    region: str
    account: str
    stack: str
    parameters: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> what Ref returns
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)  # (logical id, attribute) -> value
    conditions: dict[str, bool] = field(default_factory=dict)  # condition name -> value (``evaluate_conditions``)

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack,
            "AWS::Partition": partition(self.region),
            "AWS::URLSuffix": "amazonaws.com.cn" if partition(self.region) == "aws-cn" else "amazonaws.com",
        }

    def resolve(self, value: Any) -> Any:  # noqa: PLR0911 - one return per intrinsic
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self._ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.attributes[(logical, attribute)]
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::If":
                name, then, otherwise = arg
                return self.resolve(then if self.conditions[name] else otherwise)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(item) for item in self.resolve(items))
        return {k: self.resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo():
            return self.pseudo()[name]
        return self.refs[name]

    def _sub(self, template: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name:
                logical, attribute = name.split(".", 1)
                return self.attributes[(logical, attribute)]
            value = self._ref(name)
            return ",".join(value) if isinstance(value, list) else str(value)

        return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", one, template)


def evaluate_conditions(template: dict[str, Any], resolver: Resolver) -> dict[str, bool]:
    """Every condition of the template, as CloudFormation evaluates them from the parameters; kept on the resolver."""
    declared = template.get("Conditions", {})

    def value(node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Fn::Equals":
                return value(arg[0]) == value(arg[1])
            if key == "Fn::Not":
                return not value(arg[0])
            if key == "Fn::And":
                return all(value(a) for a in arg)
            if key == "Fn::Or":
                return any(value(a) for a in arg)
            if key in ("Condition", "Fn::Condition"):
                return value(declared[arg])
        resolved = resolver.resolve(node)
        return str(resolved) if isinstance(resolved, int | float) else resolved

    resolver.conditions = {name: bool(value(node)) for name, node in declared.items()}
    return resolver.conditions


def present(template: dict[str, Any], conditions: dict[str, bool]) -> dict[str, Any]:
    """The template with only the resources whose ``Condition`` holds (all of them when they have none)."""
    resources = {k: r for k, r in template["Resources"].items() if conditions.get(r.get("Condition", ""), True)}
    return template | {"Resources": resources}


def defaults(template: dict[str, Any]) -> dict[str, Any]:
    """Parameter defaults, with CommaDelimitedList values split as CloudFormation does."""
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        default = spec.get("Default")
        if spec.get("Type") == "CommaDelimitedList" and isinstance(default, str):
            default = default.split(",")
        values[name] = default
    return values


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every AWS::Serverless::Function, with Globals.Function merged in as SAM merges
    them: a map in both is merged key by key (``Environment.Variables``, ``LoggingConfig``), anything else the
    function sets replaces the global."""
    glob = template.get("Globals", {}).get("Function", {})
    found = {}
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        found[logical] = _merged(glob, resource["Properties"])
    return found


def _merged(glob: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    merged = dict(glob)
    for key, value in own.items():
        both_maps = isinstance(value, dict) and isinstance(glob.get(key), dict) and not _intrinsic(value)
        merged[key] = _merged(glob[key], value) if both_maps else value
    return merged


def _intrinsic(value: dict[str, Any]) -> bool:
    return len(value) == 1 and (next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))


def state_machines(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical: resource["Properties"]
        for logical, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::StateMachine"
    }


def substitute(definition: str, substitutions: dict[str, str]) -> str:
    """Fill ``${Name}`` placeholders as DefinitionSubstitutions does; an unknown placeholder is an error."""

    def one(match: re.Match[str]) -> str:
        return substitutions[match.group(1)]

    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", one, definition)


def placeholders(definition: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", definition))
