"""template.yaml and the ASL files agree with each other and with the code they deploy (principle 6)."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import evac.errors
from evac.domain.plan import load_plan
from evacops.template import defaults, functions, load_template, placeholders, state_machines, substitute

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

ROOT = Path(__file__).resolve().parent.parent
ASL_FILES = sorted((ROOT / "state_machines").glob("*.asl.json"))
TEMPLATE = load_template()
FUNCTIONS = functions(TEMPLATE)
STATE_MACHINES = state_machines(TEMPLATE)
STATELINT = Path(sys.executable).parent / "statelint"
# Error name prefixes that belong to AWS, not to evac's code.
SERVICE_ERRORS = ("States.", "Lambda.", "DynamoDB.", "StepFunctions.")


def substitutions_for(asl: Path) -> dict[str, Any]:
    """The DefinitionSubstitutions of the state machine deployed from ``asl``."""
    using = [p for p in STATE_MACHINES.values() if (ROOT / p["DefinitionUri"]).resolve() == asl.resolve()]
    assert len(using) == 1, f"{asl.name} is the DefinitionUri of {len(using)} state machines, expected 1"
    return dict(using[0].get("DefinitionSubstitutions", {}))


def plausible(value: Any) -> str:
    """What CloudFormation would substitute for ``value``: an ARN or name of the right shape."""
    match value:
        case {"Fn::GetAtt": [logical, "Arn"]} if logical in FUNCTIONS:
            return f"arn:aws:lambda:us-west-2:123456789012:function:evac-{logical}"
        case {"Ref": logical} if TEMPLATE["Resources"][logical]["Type"] == "AWS::SNS::Topic":
            return f"arn:aws:sns:us-west-2:123456789012:evac-{logical}"
        case {"Ref": logical}:
            return f"evac-{logical}"
    raise AssertionError(f"no plausible value for substitution {value!r}")


def states(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """Every state of a state machine, nested Parallel branches and Map processors included."""
    return [state for _, state in named_states(definition)]


def named_states(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every state with its name, nested Parallel branches and Map processors included."""
    found = []
    for name, state in definition["States"].items():
        found.append((name, state))
        for branch in state.get("Branches", []):
            found += named_states(branch)
        if processor := state.get("ItemProcessor") or state.get("Iterator"):
            found += named_states(processor)
    return found


def error_classes() -> set[str]:
    return {name for name, member in inspect.getmembers(evac.errors, inspect.isclass) if issubclass(member, Exception)}


def statelint(definition: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "definition.asl.json"
    path.write_text(definition, encoding="utf-8")
    return subprocess.run([str(STATELINT), str(path)], capture_output=True, text=True, check=False)


def test_there_are_asl_files_and_state_machines_to_check() -> None:
    assert ASL_FILES
    assert STATE_MACHINES


@pytest.mark.parametrize("asl", ASL_FILES, ids=lambda p: p.name)
def test_every_placeholder_in_an_asl_file_has_a_substitution_and_every_substitution_is_used(asl: Path) -> None:
    assert placeholders(asl.read_text(encoding="utf-8")) == set(substitutions_for(asl))


@pytest.mark.parametrize(("logical", "props"), sorted(FUNCTIONS.items()), ids=sorted(FUNCTIONS))
def test_every_function_handler_is_an_importable_callable(logical: str, props: dict[str, Any]) -> None:
    module, _, attribute = props["Handler"].rpartition(".")

    assert callable(getattr(importlib.import_module(module), attribute, None)), f"{logical}: {props['Handler']}"


@pytest.mark.parametrize("logical", sorted(STATE_MACHINES))
def test_every_function_arn_substitution_names_a_function_of_the_template(logical: str) -> None:
    substitutions = STATE_MACHINES[logical].get("DefinitionSubstitutions", {})
    named = {
        placeholder: value["Fn::GetAtt"][0]
        for placeholder, value in substitutions.items()
        if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn"
    }

    assert named, f"{logical} invokes no function"
    assert {fn for fn in named.values() if fn not in FUNCTIONS} == set()


@pytest.mark.parametrize("logical", sorted(STATE_MACHINES))
def test_function_arn_placeholders_are_named_after_the_function_logical_id(logical: str) -> None:
    substitutions = STATE_MACHINES[logical].get("DefinitionSubstitutions", {})

    for placeholder, value in substitutions.items():
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            assert placeholder == "{}{}".format(*value["Fn::GetAtt"])


@pytest.mark.parametrize("asl", ASL_FILES, ids=lambda p: p.name)
def test_every_asl_file_passes_statelint(asl: Path, tmp_path: Path) -> None:
    substitutions = {name: plausible(value) for name, value in substitutions_for(asl).items()}

    linted = statelint(substitute(asl.read_text(encoding="utf-8"), substitutions), tmp_path)

    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_statelint_rejects_a_transition_to_a_state_that_does_not_exist(tmp_path: Path) -> None:
    dangling = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}

    linted = statelint(json.dumps(dangling), tmp_path)

    assert linted.returncode != 0
    assert "Nowhere" in linted.stdout + linted.stderr


@pytest.mark.parametrize("asl", ASL_FILES, ids=lambda p: p.name)
def test_every_error_name_a_retry_or_catch_matches_is_an_evac_error_class(asl: Path) -> None:
    definition = json.loads(asl.read_text(encoding="utf-8"))
    matched = {
        name
        for state in states(definition)
        for rule in state.get("Retry", []) + state.get("Catch", [])
        for name in rule["ErrorEquals"]
        if not name.startswith(SERVICE_ERRORS)
    }

    assert matched - error_classes() == set()


@pytest.mark.parametrize("asl", ASL_FILES, ids=lambda p: p.name)
def test_a_rule_that_matches_an_error_also_matches_its_subclasses(asl: Path) -> None:
    # Step Functions matches ErrorEquals on the error's name, exactly: a Lambda raising ControlPlaneUnavailableError
    # is not retried by a rule naming its base, RegionUnavailableError ("Error handling in Step Functions").
    classes = {name: getattr(evac.errors, name) for name in error_classes()}
    unmatched = []
    for name, state in named_states(json.loads(asl.read_text(encoding="utf-8"))):
        for field in ("Retry", "Catch"):
            named: set[str] = set()
            for rule in state.get(field, []):
                named |= set(rule["ErrorEquals"])
                for base in set(rule["ErrorEquals"]) & classes.keys():
                    missing = {s for s, cls in classes.items() if issubclass(cls, classes[base])} - named
                    unmatched += [f"{name}.{field}: {base} but not {sub}" for sub in sorted(missing)]

    assert unmatched == []


def test_the_template_defaults_deploy_the_bundled_plan(plan: RecoveryPlan) -> None:
    parameters = defaults(TEMPLATE)

    assert load_plan(ROOT / "functions" / parameters["PlanFile"]) == plan
    assert parameters["Application"] == plan.application
    assert sorted(parameters["TriggerAlarmNames"]) == sorted(a.name for a in plan.alarms)


def test_readiness_runs_every_15_minutes_on_eventbridge_scheduler() -> None:
    events = FUNCTIONS["ReadinessFunction"]["Events"]

    schedules = [e["Properties"]["ScheduleExpression"] for e in events.values() if e["Type"] == "ScheduleV2"]
    assert schedules == ["rate(15 minutes)"]


def test_the_readiness_alarm_watches_the_metric_the_readiness_function_publishes() -> None:
    # SecondaryReady, in the Globals' Powertools namespace, with the dimensions Powertools and the handler add
    alarm = TEMPLATE["Resources"]["ReadinessAlarm"]["Properties"]
    environment = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    handler = importlib.import_module("evac.handlers.readiness")

    assert alarm["Namespace"] == environment["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["MetricName"] == handler.READY_METRIC
    assert {d["Name"] for d in alarm["Dimensions"]} == {"service", "application"}
    assert {"Name": "service", "Value": environment["POWERTOOLS_SERVICE_NAME"]} in alarm["Dimensions"]
    assert alarm["TreatMissingData"] == "breaching"


def test_preflight_and_readiness_share_one_read_only_policy() -> None:
    policy = {"Ref": "ReadinessReadPolicy"}
    statements = TEMPLATE["Resources"]["ReadinessReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}

    assert policy in FUNCTIONS["PreflightFunction"]["Policies"]
    assert policy in FUNCTIONS["ReadinessFunction"]["Policies"]
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List")) for a in actions - {"kms:Decrypt"})
    # kms:Decrypt only through S3: HeadObject returns an SSE-KMS object's checksum only with it (reads nothing else)
    decrypt = next(s for s in statements if s["Action"] == "kms:Decrypt")
    assert decrypt["Condition"] == {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}


def test_a_failed_planned_run_waits_out_an_in_flight_promotion_before_switching_back() -> None:
    # A failed Parallel stops its branches, not the Lambda invocations they started: a PromoteDatabase invocation
    # already running when the resources branch failed may start the switchover after SwitchBack first looked (the
    # fault matrix on the rag plan: StartResources' Invoke denied left the writer in the target, traffic at home)
    runbook = json.loads((ROOT / "state_machines" / "failover.asl.json").read_text(encoding="utf-8"))["States"]
    promote = FUNCTIONS["PromoteDatabaseFunction"]
    timeout = promote.get("Timeout", TEMPLATE["Globals"]["Function"]["Timeout"])

    [to_switch_back] = [c["Next"] for c in runbook["AfterPromotion?"]["Choices"] if "Switch" in c["Next"]]
    settle = runbook[to_switch_back]

    assert settle["Type"] == "Wait"
    assert settle["Seconds"] >= timeout
    assert settle["Next"] == "SwitchBack"


def _pins(lines: list[str]) -> dict[str, str]:
    """Package name (extras dropped) -> its pinned version, from requirement lines ``name[extra]==version``."""
    found = {}
    for line in lines:
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.strip().split("==")
            found[name.split("[")[0].strip()] = version.strip()
    return found


def test_the_functions_dependencies_are_installed_once_in_their_layer_pinned_as_the_project_pins_them() -> None:
    layer = TEMPLATE["Resources"]["DependenciesLayer"]
    requirements = ROOT / layer["Properties"]["ContentUri"] / "requirements.txt"
    bundled = _pins(requirements.read_text(encoding="utf-8").splitlines())
    project = _pins(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"])

    # every function takes the layer, and no function's bundle installs the dependencies again
    assert all({"Ref": "DependenciesLayer"} in props.get("Layers", []) for props in FUNCTIONS.values())
    assert not any((ROOT / props["CodeUri"] / "requirements.txt").exists() for props in FUNCTIONS.values())
    # what is deployed is what is tested: the same versions (boto3 comes with the Lambda runtime)
    assert bundled, requirements
    assert {name: project.get(name) for name in bundled} == bundled
