"""The in-process Lambda runtime (``evacops.localcloud.runtime.LambdaRuntime``): a function's handler runs with its
own environment, and an exception comes back as Lambda reports it, named after its class, which is the error name
Step Functions' Retry and Catch match on.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.domain.fanout import each
from evac.errors import InvalidInputError
from evacops.localcloud import LocalCloud
from evacops.localcloud.clock import VirtualClock
from evacops.localcloud.faults.injector import FaultInjector
from evacops.localcloud.fidelity.latencies import Latencies
from evacops.localcloud.interpreter import install_virtual_time
from evacops.localcloud.runtime import LambdaRuntime

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import ExitStack

REGION = "us-east-1"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


# Handlers the runtime imports from this module, as it imports evac's from functions/.
def rejecting_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise InvalidInputError(f"invalid RunbookInput: mode: {event.get('mode')!r} is not planned or unplanned")


def echo_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"event": event, "function": context.function_name, "stage": os.environ.get("EVAC_STAGE")}


def fanning_handler(event: dict[str, Any], context: Any) -> list[str | None]:
    """Calls AWS from a thread pool, as a handler's fan-out over endpoints does."""

    def call(name: str) -> str | None:
        boto3.session.Session().client("ssm", REGION).put_parameter(Name=name, Value="x", Type="String")
        return os.environ.get("EVAC_STAGE")

    return each(call, ["/evac/a", "/evac/b", "/evac/c"], workers=2)


def overrunning_handler(event: dict[str, Any], context: Any) -> str:
    """Two calls, the first of which alone outlasts the function's Timeout (3 s, Lambda's default)."""
    ssm = boto3.session.Session().client("ssm", REGION)
    ssm.put_parameter(Name="/evac/first", Value="x", Type="String")
    ssm.put_parameter(Name="/evac/after-the-deadline", Value="x", Type="String")
    return "finished"


@pytest.fixture
def runtime(stack: ExitStack) -> LambdaRuntime:
    clock = VirtualClock()
    stack.callback(clock.close)
    install_virtual_time(stack, clock, Latencies().state_transition)  # the interpreter's waits are the clock's too
    installed = LambdaRuntime(clock, Latencies())
    installed.install(stack)
    return installed


def create_function(runtime: LambdaRuntime, name: str, handler: str, variables: dict[str, str]) -> str:
    role = boto3.client("iam", REGION).create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=TRUST)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as bundle:
        bundle.writestr("README", "the runtime imports the handler in-process")
    arn = boto3.client("lambda", REGION).create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler=f"{__name__}.{handler}",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": variables},
    )["FunctionArn"]
    runtime.environments[arn] = variables
    return str(arn)


def test_invoke_runs_the_handler_with_the_function_environment_and_context(runtime: LambdaRuntime) -> None:
    create_function(runtime, "echo", "echo_handler", {"EVAC_STAGE": "drill"})

    answer = boto3.client("lambda", REGION).invoke(FunctionName="echo", Payload=b'{"incident_id": "x"}')

    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {
        "event": {"incident_id": "x"},
        "function": "echo",
        "stage": "drill",
    }
    assert "EVAC_STAGE" not in os.environ  # the function's environment lasts one invocation


def test_a_handler_exception_is_a_function_error_named_after_its_class(runtime: LambdaRuntime) -> None:
    create_function(runtime, "plan", "rejecting_handler", {})

    answer = boto3.client("lambda", REGION).invoke(FunctionName="plan", Payload=b'{"mode": "sideways"}')

    assert "FunctionError" in answer
    payload = json.loads(answer["Payload"].read())
    assert payload["errorType"] == "InvalidInputError"
    assert "sideways" in payload["errorMessage"]
    assert isinstance(payload["stackTrace"], list)


def test_step_functions_catches_a_lambda_error_by_the_exception_class_name(runtime: LambdaRuntime) -> None:
    function = create_function(runtime, "plan", "rejecting_handler", {})
    sfn = boto3.client("stepfunctions", REGION)
    definition = {
        "StartAt": "Plan",
        "States": {
            "Plan": {
                "Type": "Task",
                "Resource": function,
                "Catch": [
                    {"ErrorEquals": ["PlanError"], "Next": "WrongCatch"},
                    {"ErrorEquals": ["InvalidInputError"], "ResultPath": "$.error", "Next": "Rejected"},
                ],
                "End": True,
            },
            "WrongCatch": {"Type": "Fail", "Error": "WrongCatch"},
            "Rejected": {"Type": "Pass", "End": True},
        },
    }
    machine = sfn.create_state_machine(
        name="catch", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/states"
    )["stateMachineArn"]

    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"mode": "sideways"}))["executionArn"]
    described = wait(sfn, execution, runtime.clock)

    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["error"]["Error"] == "InvalidInputError"
    assert [i.error for i in runtime.invocations] == ["InvalidInputError"]


def recording(runtime: LambdaRuntime, stack: ExitStack, *, call_seconds: float = 0.0) -> FaultInjector:
    """The local cloud's record of AWS calls, by caller (clients created after this carry its hooks)."""
    faults = FaultInjector(
        runtime.clock,
        runtime.current,
        lambda: None,
        stop_if_timed_out=runtime.stop_if_timed_out,
        latency=lambda _service: call_seconds,
    )
    faults.install(stack)
    return faults


def test_calls_from_a_handlers_thread_pool_are_the_functions_with_its_environment(
    runtime: LambdaRuntime, stack: ExitStack
) -> None:
    faults = recording(runtime, stack)
    create_function(runtime, "fan", "fanning_handler", {"EVAC_STAGE": "drill"})

    answer = boto3.client("lambda", REGION).invoke(FunctionName="fan", Payload=b"{}")

    assert json.loads(answer["Payload"].read()) == ["drill", "drill", "drill"]
    assert [(c.caller, c.operation) for c in faults.calls] == [("fan", "PutParameter")] * 3


def test_an_invocation_waiting_for_its_own_threads_holds_no_other_back(
    runtime: LambdaRuntime, stack: ExitStack
) -> None:
    # fan: three calls of 0.5 s, two at a time (1 s, after a 1 s cold start); echo is invoked while fan waits for its
    # threads, and must start then, as another Lambda invocation would, not when fan is done.
    recording(runtime, stack, call_seconds=0.5)
    create_function(runtime, "fan", "fanning_handler", {})
    create_function(runtime, "echo", "echo_handler", {})

    def invoke(name: str) -> threading.Thread:
        thread = threading.Thread(
            target=lambda: boto3.client("lambda", REGION).invoke(FunctionName=name, Payload=b"{}")
        )
        thread.start()
        return thread

    fan = invoke("fan")
    runtime.clock.sleep(1.5)
    echo = invoke("echo")
    fan.join()
    echo.join()

    started = {i.function: (i.started, i.ended) for i in runtime.invocations}
    assert started["echo"][0] == pytest.approx(1.5)
    assert started["fan"][1] > started["echo"][0]


def test_a_call_after_the_functions_timeout_never_happens(runtime: LambdaRuntime, stack: ExitStack) -> None:
    recording(runtime, stack, call_seconds=5.0)
    create_function(runtime, "overrun", "overrunning_handler", {})

    answer = boto3.client("lambda", REGION).invoke(FunctionName="overrun", Payload=b"{}")

    assert "Task timed out after 3.00 seconds" in json.loads(answer["Payload"].read())["errorMessage"]
    names = [p["Name"] for p in boto3.client("ssm", REGION).describe_parameters()["Parameters"]]
    assert names == ["/evac/first"]  # Lambda had stopped the function before its second call


def wait(sfn: Any, execution: str, clock: VirtualClock, timeout: float = 20.0) -> dict[str, Any]:
    """Follow the execution to its end, waiting on the clock between looks (a wall-clock sleep would freeze it)."""
    deadline = time.monotonic() + timeout
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            pytest.fail(f"{execution} still running after {timeout} wall seconds")
        clock.sleep(1)
    return dict(described)


# --- the deployed runbook on the local cloud --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cloud() -> Iterator[LocalCloud]:
    with LocalCloud() as local:
        yield local


# --- asynchronous invocations (fidelity.async_invoke) -----------------------------------------------------------------
def test_an_event_invocation_answers_202_at_once_and_runs_apart_paying_its_cold_start(runtime: LambdaRuntime) -> None:
    create_function(runtime, "queued", "echo_handler", {})
    latencies = Latencies()

    answer = boto3.client("lambda", REGION).invoke(FunctionName="queued", InvocationType="Event", Payload=b"{}")
    answered_at = runtime.clock.elapsed()
    runtime.clock.wait_until(lambda: len(runtime.invocations) == 1)

    assert answer["StatusCode"] == 202
    assert answered_at == pytest.approx(latencies.lambda_async_accept)  # the caller waited for no INIT
    [ran] = runtime.invocations
    assert ran.cold
    assert ran.ended - ran.started == pytest.approx(latencies.lambda_cold_start + latencies.lambda_warm)


def test_an_invocation_arriving_while_a_warm_up_initialises_takes_another_environment_cold(
    runtime: LambdaRuntime,
) -> None:
    create_function(runtime, "initialising", "echo_handler", {})
    lam = boto3.client("lambda", REGION)

    lam.invoke(FunctionName="initialising", InvocationType="Event", Payload=b'{"evac_warm": true}')
    lam.invoke(
        FunctionName="initialising", Payload=b"{}"
    )  # arrives during the warm-up's INIT: that environment is busy
    runtime.clock.wait_until(lambda: len(runtime.invocations) == 2)
    lam.invoke(FunctionName="initialising", Payload=b"{}")  # both environments idle now

    assert [(i.event, i.cold) for i in sorted(runtime.invocations, key=lambda i: i.started)] == [
        ({"evac_warm": True}, True),
        ({}, True),
        ({}, False),
    ]
    assert runtime.cold_starts == 2


def test_an_invocation_after_its_warm_up_finds_the_environment_warm(runtime: LambdaRuntime) -> None:
    create_function(runtime, "warmed", "echo_handler", {})
    lam = boto3.client("lambda", REGION)

    lam.invoke(FunctionName="warmed", InvocationType="Event", Payload=b'{"evac_warm": true}')
    runtime.clock.sleep(60)  # the sustain window
    lam.invoke(FunctionName="warmed", Payload=b"{}")

    assert [i.cold for i in runtime.invocations] == [True, False]
    assert runtime.cold_starts == 1


def test_runbook_fails_with_the_error_named_after_the_handler_exception(cloud: LocalCloud) -> None:
    sfn = boto3.client("stepfunctions", "us-west-2")

    execution = sfn.start_execution(
        stateMachineArn=cloud.stacks["us-west-2"].runbook_arn,
        name="invalid-input",
        input=json.dumps({"incident_id": "x", "mode": "sideways"}),
    )["executionArn"]
    described = cloud.wait_for_execution(execution, timeout_modelled=3600)

    assert described["status"] == "FAILED"
    assert described["error"] == "InvalidInputError"
    assert json.loads(described["cause"])["errorType"] == "InvalidInputError"
    assert "mode" in json.loads(described["cause"])["errorMessage"]
