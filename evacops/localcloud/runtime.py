"""The local cloud's seams into moto 5.2.5's runtime.

- Lambda: moto runs function code in Docker (``LambdaFunction._invoke_lambda``). Here the function's real handler
  is imported and called in-process, with the function's own environment and a Lambda context, and an exception
  becomes the error payload Lambda itself returns (``errorType`` = the exception's class name), which the Step
  Functions interpreter turns into the task's error name.
- Timeouts: an invocation that waited longer than the function's ``Timeout`` (modelled seconds) ends as Lambda ends a
  timed-out invocation: an unhandled error with no ``errorType``, which Step Functions reports as ``Lambda.Unknown``
  (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). The handler is not cut
  short, so what it did after the deadline still happened; in Lambda it would not have.
- Time: moto's Step Functions interpreter sleeps ``Wait`` states (``WaitFunction._wait_interval``) and retry
  intervals (``time.sleep`` in ``RetrierDecl``), bounds tasks by ``TimeoutSeconds`` (``Timeout``), and counts a
  ``Timestamp``/``TimestampPath`` wait from the machine's clock (``Timestamp._get_wait_seconds``), in real time; here
  all four run on the scaled clock, so the production ASL runs unchanged at compressed time.
- Definitions and clients: moto parses a definition each time it starts an execution and builds a boto3 client for
  each task; here once (``ParsedDefinitions``, ``SharedClients``).
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import itertools
import json
import logging
import math
import os
import threading
import time
import traceback
import uuid
from collections.abc import MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from botocore.exceptions import BotoCoreError, ClientError
from moto.awslambda.models import LambdaFunction
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import Timeout
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import ExitStack

    from evacops.localcloud.clock import ScaledClock

log = logging.getLogger("evac.localcloud")

# The AWS services evac's handlers call (see functions/evac/aws/).
WARM_SERVICES = (
    "rds",
    "cloudwatch",
    "sagemaker",
    "sagemaker-runtime",
    "application-autoscaling",
    "route53",
    "dynamodb",
    "stepfunctions",
    "ssm",
    "s3",
    "ecr",
    "service-quotas",
)


# What the runtime records as the error of an invocation that outlived its function's Timeout.
TIMED_OUT = "Lambda.Unknown"


def _handler_module(handler: str) -> str:
    return handler.rpartition(".")[0]


@dataclass
class Invocation:
    function: str
    region: str
    event: Any
    result: Any
    error: str | None
    started: float
    ended: float


@dataclass
class LambdaRuntime:
    """Runs deployed functions' handlers in this process, one at a time (environment variables are per process)."""

    clock: ScaledClock
    environments: dict[str, dict[str, str]] = field(default_factory=dict)  # function ARN -> its environment
    logical_ids: dict[str, str] = field(default_factory=dict)  # function ARN -> its logical id in template.yaml
    invocations: list[Invocation] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)

    _sequence: itertools.count = field(default_factory=lambda: itertools.count(1))

    closed: bool = False

    def close(self) -> None:
        """Wait for the invocation in flight, if any, and refuse any later one.

        A stopped execution's thread may still be inside an invocation when its cloud closes; left alone it would go
        on running a handler after the cloud's patches and its mock are gone.
        """
        with self._lock:
            self.closed = True

    def current(self) -> str | None:
        """The logical id of the function running in this thread, if any (who makes the AWS calls made now)."""
        return getattr(self._local, "function", None)

    def current_region(self) -> str | None:
        """The region of the function running in this thread, if any."""
        return getattr(self._local, "region", None)

    def current_invocation(self) -> int | None:
        """A number unique to the invocation running in this thread, if any."""
        return getattr(self._local, "invocation", None)

    def logical_id(self, name_or_arn: str) -> str | None:
        """``evac-PlanFunction`` or its ARN -> ``PlanFunction``."""
        for arn, logical in self.logical_ids.items():
            if name_or_arn in (arn, arn.rsplit(":", 1)[-1]):
                return logical
        return None

    def install(self, stack: ExitStack) -> None:
        runtime = self

        def invoke(function: LambdaFunction, event: str | None = None) -> tuple[str, bool, str]:
            return runtime.invoke(function, event)

        stack.enter_context(patch.object(LambdaFunction, "_invoke_lambda", invoke))
        stack.enter_context(patch.object(os, "environ", ThreadEnviron(os.environ)))

    def warm(self, regions: tuple[str, ...]) -> None:
        """Start every function's container before the drill: import its handler and create its AWS clients.

        In AWS a cold start costs about a second, once per container. Here the process's own compute would be played
        on the scaled clock (a 0.3 s import would read as 20 modelled seconds), so containers start warm instead.
        """
        from evac.aws import clients

        for variables in self.environments.values():
            with _environment(variables):
                importlib.import_module(_handler_module(variables["_HANDLER"]))
        for service in WARM_SERVICES:
            for region in regions:
                clients.client(service, region)
                clients.client(service, region, probe=True)

        for region in regions:  # botocore loads a service's paginators the first time one is asked for
            clients.client("sagemaker", region).get_paginator("list_endpoints")
        for region in regions:  # moto loads a REST service's model the first time it routes one of its requests
            with contextlib.suppress(BotoCoreError, ClientError):
                clients.client("sagemaker-runtime", region).invoke_endpoint(EndpointName="evac-warm-up", Body=b"{}")

    def invoke(self, function: LambdaFunction, event: str | dict | None) -> tuple[str, bool, str]:
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        module_name, attribute = _handler_module(str(function.handler)), str(function.handler).rpartition(".")[2]
        context = SimpleNamespace(
            function_name=function.function_name,
            function_version="$LATEST",
            invoked_function_arn=function.function_arn,
            memory_limit_in_mb=int(function.memory_size),
            aws_request_id=str(uuid.uuid4()),
            log_group_name=f"/aws/lambda/{function.function_name}",
            log_stream_name="local",
            get_remaining_time_in_millis=lambda: int(function.timeout) * 1000,
        )
        with self._lock:
            if self.closed:
                closed = {"errorMessage": "the local cloud is closed", "errorType": "LocalCloudClosed"}
                return json.dumps(closed), True, ""
            return self._invoke_in(function, payload, context, module_name, attribute)

    def _invoke_in(
        self, function: LambdaFunction, payload: Any, context: SimpleNamespace, module_name: str, attribute: str
    ) -> tuple[str, bool, str]:
        with _environment(self.environments.get(function.function_arn, {})):
            started, slept, wall = self.clock.elapsed(), self.clock.slept(), time.perf_counter()
            self._local.function = self.logical_ids.get(function.function_arn, function.function_name)
            self._local.invocation = next(self._sequence)
            self._local.region = function.region
            try:
                handler = getattr(importlib.import_module(module_name), attribute)
                result, error = handler(payload, context), None
                body = json.dumps(result)
            except Exception as exc:  # noqa: BLE001 - every handler exception becomes Lambda's error payload
                error = type(exc).__name__
                body = json.dumps(
                    {
                        "errorMessage": str(exc),
                        "errorType": error,
                        "stackTrace": traceback.format_tb(exc.__traceback__),
                    }
                )
                result = None
            finally:
                self._local.function = self._local.invocation = self._local.region = None
            # What the invocation waited on the clock (timeouts, backoffs), plus its own compute at Lambda's pace: this
            # process's compute is not played on the scaled clock (20 ms here would read as seconds there).
            if (took := self.clock.slept() - slept + time.perf_counter() - wall) > float(function.timeout):
                error, result = TIMED_OUT, None
                message = f"{context.aws_request_id} Task timed out after {float(function.timeout):.2f} seconds"
                body = json.dumps({"errorMessage": message})
                log.warning("%s timed out after %.1f modelled seconds", function.function_name, took)
            self.invocations.append(
                Invocation(
                    function.function_name, function.region, payload, result, error, started, self.clock.elapsed()
                )
            )
        return body, error is not None, ""


class ParsedDefinitions:
    """moto parses a state machine's definition with ANTLR each time it starts an execution: about 50 ms for the
    runbook, three modelled seconds at 60x on every run's critical path (and a third of a wall second the first time),
    a cost Step Functions does not have. Here each definition is parsed once and every execution runs its own deep
    copy of the parsed program (its components keep state while they run)."""

    def __init__(self) -> None:
        self._programs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def install(self, stack: ExitStack) -> None:
        definitions = self

        def entrypoint(worker: ExecutionWorker) -> Any:
            return definitions.program(worker._evaluation_details.state_machine_details.definition)

        stack.enter_context(patch.object(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint))

    def program(self, definition: str) -> Any:
        with self._lock:
            if definition not in self._programs:
                self._programs[definition] = AmazonStateLanguageParser.parse(definition)[0]
            parsed = self._programs[definition]
        return copy.deepcopy(parsed)

    def warm(self, definitions: list[str]) -> None:
        """Parse the deployed state machines before the drill."""
        for definition in definitions:
            self.program(definition)


class SharedClients:
    """moto's interpreter builds a new boto3 client for every task it runs (each ``lambda:invoke`` of a Map iteration,
    each ``sns:publish``): a few ms of CPU each, in the one process the local cloud has, where Step Functions keeps its
    connections. Clients are thread-safe, so here the interpreter gets one per region and service, built once."""

    _PARSER = "moto.stepfunctions.parser.asl"
    _USERS = (  # the interpreter's modules that call boto_client_for
        "component.state.exec.state_task.lambda_eval_utils",
        *(
            f"component.state.exec.state_task.service.state_task_service_{name}"
            for name in ("aws_sdk", "batch", "dynamodb", "ecs", "events", "glue", "sfn", "sns", "sqs", "unsupported")
        ),
    )

    def install(self, stack: ExitStack) -> None:
        built: dict[tuple[str, str, str], Any] = {}
        lock = threading.Lock()

        def shared(region: str, service: str, state_credentials: Any = None) -> Any:
            key = (region, service, repr(state_credentials))
            with lock:
                if key not in built:
                    built[key] = boto_client.boto_client_for(region, service, state_credentials)
                return built[key]

        for module in self._USERS:
            user = importlib.import_module(f"{self._PARSER}.{module}")
            stack.enter_context(patch.object(user, "boto_client_for", shared))


class ThreadEnviron(MutableMapping[str, str]):
    """``os.environ`` as each thread sees it: an invocation's own variables over the process's.

    In Lambda every function has its own process environment. Here functions run in threads of one process, so
    setting and restoring ``os.environ`` around an invocation would change it under every other thread, and a thread
    iterating it at that moment (botocore does, for proxies, whenever a client is created) would find a key gone.
    Instead each invocation's variables live in its thread only; other threads see the process's environment.
    """

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process
        self._local = threading.local()

    def _own(self) -> dict[str, str] | None:
        return getattr(self._local, "variables", None)

    @contextmanager
    def using(self, variables: dict[str, str]) -> Iterator[None]:
        """This thread sees ``variables`` over the process's environment until the block ends."""
        before = self._own()
        self._local.variables = dict(variables)
        try:
            yield
        finally:
            self._local.variables = before

    def __getitem__(self, key: str) -> str:
        own = self._own()
        return own[key] if own is not None and key in own else self.process[key]

    def __setitem__(self, key: str, value: str) -> None:
        own = self._own()
        if own is not None:
            own[key] = value
        else:
            self.process[key] = value

    def __delitem__(self, key: str) -> None:
        own = self._own()
        if own is not None and key in own:
            del own[key]
        else:
            del self.process[key]

    def __iter__(self) -> Iterator[str]:
        keys = dict.fromkeys(list(self.process))
        keys.update(dict.fromkeys(self._own() or {}))
        return iter(list(keys))

    def __len__(self) -> int:
        return len(set(self.process) | set(self._own() or {}))

    def copy(self) -> dict[str, str]:
        return dict(self.items())


@contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """A function's environment for the length of one invocation (or one import, when its container starts)."""
    environ = os.environ
    if isinstance(environ, ThreadEnviron):
        with environ.using(variables):
            yield
        return
    saved = {key: environ.get(key) for key in variables}
    environ.update(variables)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value


def install_scaled_time(stack: ExitStack, clock: ScaledClock) -> None:
    """Make the Step Functions interpreter wait on ``clock``."""

    def wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:  # noqa: ARG001
        # Waiting on the execution's event keeps StopExecution able to interrupt the wait, as moto does.
        deadline = time.monotonic() + clock.real_seconds(wait_seconds)
        while env.is_running() and (remaining := deadline - time.monotonic()) > 0:
            if env.program_state_event.wait(remaining):
                time.sleep(min(remaining, 0.001))  # an unrelated wake-up: keep waiting, as moto does

    def timeout(self: Timeout, env: Any) -> None:
        # TimeoutSeconds bounds a task (and a waitForTaskToken callback) in wall seconds; here, modelled ones.
        env.stack.append(clock.real_seconds(self._eval_seconds(env)))

    def until(self: Timestamp, env: Any) -> int:
        # A Wait until a moment: the moment is a modelled one (steps stamp times with evac.clock), so is "now".
        self.string.eval(env=env)
        text: str = env.stack.pop()
        moment = self._from_timestamp_string(timestamp=text)
        if moment is None:
            raise FailureEventException(self._create_failure_event(env, text))
        return math.ceil((moment.replace(tzinfo=UTC) - clock.now()).total_seconds())

    stack.enter_context(patch.object(WaitFunction, "_wait_interval", wait_interval))
    stack.enter_context(patch.object(Timestamp, "_get_wait_seconds", until))
    stack.enter_context(patch.object(Timeout, "_eval_body", timeout))
    stack.enter_context(patch.object(retrier_decl, "time", SimpleNamespace(sleep=clock.sleep)))
