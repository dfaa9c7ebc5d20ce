"""Warm-ups (``evac.aws.warmup``): every function the template warms answers one at once, without validating it as
a step's input, calling AWS or emitting a metric; the Plan step sends them as a runbook starts, and a refused warm-up
is logged and ignored."""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.client import BaseClient

from evac.aws.warmup import MAP_CONCURRENCY, WARM_ANSWER, WARM_EVENT
from evac.errors import InvalidInputError
from evac.handlers import plan as plan_step
from evacops.template import load_template
from tests.functional.conftest import LambdaContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.functional.conftest import Cloud

RESOURCES = load_template()["Resources"]
ROOT = Path(__file__).resolve().parents[3]


def warmed_by(logical: str) -> list[str]:
    """The functions ``logical`` warms, as template.yaml lists them (its EVAC_WARM_FUNCTIONS, when warming is on)."""
    listed = RESOURCES[logical]["Properties"]["Environment"]["Variables"]["EVAC_WARM_FUNCTIONS"]["Fn::If"][1]
    return [item["Ref"] for item in listed["Fn::Join"][1]]


WARMED = sorted(set(warmed_by("TriggerFunction")) | set(warmed_by("PlanFunction")))


@pytest.mark.parametrize("logical", ["TriggerFunction", "PlanFunction"])
def test_the_function_warmed_per_endpoint_is_the_one_the_scale_up_map_runs_as_often_as_it_runs_it(
    logical: str,
) -> None:
    per_endpoint = RESOURCES[logical]["Properties"]["Environment"]["Variables"]["EVAC_WARM_PER_ENDPOINT"]["Fn::If"][1]
    asl = json.loads((ROOT / "state_machines" / "failover.asl.json").read_text(encoding="utf-8"))
    scale_ups = _state(asl, "ScaleEndpoints")
    task = scale_ups["ItemProcessor"]["States"][scale_ups["ItemProcessor"]["StartAt"]]

    assert per_endpoint["Ref"] in warmed_by(logical)
    assert task["Resource"] == f"${{{per_endpoint['Ref']}Arn}}"
    assert scale_ups["MaxConcurrency"] == MAP_CONCURRENCY


def _state(states: dict[str, Any], name: str) -> dict[str, Any]:
    """The state called ``name`` among ``states`` (an ASL's or a branch's), however deep in Parallel branches."""
    for state_name, state in states["States"].items():
        if state_name == name:
            return state  # type: ignore[no-any-return]
        for branch in state.get("Branches", []):
            with contextlib.suppress(KeyError):
                return _state(branch, name)
    raise KeyError(name)


def handler_of(logical: str) -> Callable[[Any, Any], Any]:
    module, _, attribute = RESOURCES[logical]["Properties"]["Handler"].rpartition(".")
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]


@pytest.fixture
def no_aws_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    made: list[str] = []

    def refuse(_client: BaseClient, operation: str, _params: Any) -> Any:
        made.append(operation)
        raise AssertionError(f"a warm-up called AWS: {operation}")

    monkeypatch.setattr(BaseClient, "_make_api_call", refuse)
    return made


@pytest.mark.parametrize("logical", WARMED)
def test_a_warmed_function_answers_a_warm_up_at_once_without_aws_or_metrics(
    logical: str, no_aws_calls: list[str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    answer = handler_of(logical)(dict(WARM_EVENT), LambdaContext())

    assert answer == WARM_ANSWER
    assert no_aws_calls == []
    assert capsys.readouterr().out == ""  # no EMF document (Powertools prints its metrics)
    assert caplog.records == []  # no log line at the stack's level (INFO): the one debug line only


def test_an_event_that_only_looks_like_a_warm_up_is_validated_as_the_steps_input(cloud: Cloud) -> None:
    with pytest.raises(InvalidInputError, match="invalid PlanInput"):
        cloud.invoke(plan_step, {"evac_warm": "yes"})


def test_a_runbook_start_warms_its_later_steps_and_a_refused_warm_up_is_logged_and_ignored(
    cloud: Cloud,
    read_event: Callable[[str], dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN the Plan step may warm two functions, one of which does not exist (Lambda refuses that warm-up)
    monkeypatch.setenv("EVAC_WARM_FUNCTIONS", "evac-PreflightFunction,evac-VerifyFunction")
    sent: list[dict[str, Any]] = []
    invoke = BaseClient._make_api_call

    def record(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "Invoke":
            sent.append(params)
            if params["FunctionName"] == "evac-VerifyFunction":
                return invoke(client, "Invoke", params | {"FunctionName": "no-such-function"})
            return {"StatusCode": 202}
        return invoke(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)

    # WHEN a runbook starts
    run = cloud.invoke(plan_step, read_event("drill-planned.json"))

    # THEN it planned as ever, having sent each one asynchronous warm-up, and logged the refused one
    assert run["strategy"] == "switchover"
    assert sorted((p["FunctionName"], p["InvocationType"], json.loads(p["Payload"])) for p in sent) == [
        ("evac-PreflightFunction", "Event", WARM_EVENT),
        ("evac-VerifyFunction", "Event", WARM_EVENT),
    ]
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert [w.getMessage() for w in warnings] == ["warm-up not sent (ignored: the run goes on without it)"]
    assert [m.split(":")[0] for m in warnings[0].missed] == ["evac-VerifyFunction"]
