"""The local cloud's seams into moto 5.2.5's runtime.

- Lambda: moto runs function code in Docker (``LambdaFunction._invoke_lambda``). Here the function's real handler
  is imported and called in-process, with the function's own environment and a Lambda context, and an exception
  becomes the error payload Lambda itself returns (``errorType`` = the exception's class name), which the Step
  Functions interpreter turns into the task's error name.
- Time: an invocation costs Lambda's own overhead on the virtual clock: a warm execution environment's, or, when every
  environment of the function is busy (or none exists yet), a cold start's INIT first (``Latencies.lambda_warm``,
  ``lambda_cold_start``). Environments are kept once started.
- Asynchronous invocations (``InvocationType="Event"``) answer 202 at once and run apart: ``fidelity.async_invoke``.
- Concurrency: invocations overlap in modelled time as in Lambda, while this process runs one invocation's Python at a
  time (a ``Baton``, let go while its holder waits on the clock).
- Timeouts: an invocation that waited longer than the function's ``Timeout`` (modelled seconds) ends as Lambda ends a
  timed-out invocation: an unhandled error with no ``errorType``, which Step Functions reports as ``Lambda.Unknown``
  (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). Lambda stops the
  function at its deadline, so an AWS call it would make later never happens: here the call raises ``Killed``, which
  no handler's ``except Exception`` catches, in the invocation's thread or a thread of its pool.
- Logs: handlers log JSON lines to stdout, as in Lambda; here they go where the local cloud says
  (``redirect_handler_logs``).

The seams into moto's Step Functions interpreter (time, definitions, clients) are in ``interpreter``.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import logging
import os
import sys
import threading
import traceback
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import IO, TYPE_CHECKING, Any
from unittest.mock import patch

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from moto.awslambda.models import LambdaFunction

from evacops.localcloud.clock import Baton
from evacops.localcloud.environ import ThreadEnviron, environment
from evacops.localcloud.fidelity.async_invoke import AsyncInvocations

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack
    from pathlib import Path

    from evacops.localcloud.clock import VirtualClock
    from evacops.localcloud.fidelity.latencies import Latencies

log = logging.getLogger("evac.localcloud")

# What the runtime records as the error of an invocation that outlived its function's Timeout.
TIMED_OUT = "Lambda.Unknown"


class Killed(BaseException):
    """Raised at an AWS call an invocation would make after its function's Timeout: Lambda had stopped it by then."""


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
    cold: bool = False  # it started an execution environment (INIT, ``Latencies.lambda_cold_start``) first
    number: int | None = None  # the number its calls carry (``faults.Call.invocation``)


@dataclass
class LambdaRuntime:
    """Runs deployed functions' handlers in this process, each with its own environment (``ThreadEnviron``)."""

    clock: VirtualClock
    latencies: Latencies
    environments: dict[str, dict[str, str]] = field(default_factory=dict)  # function ARN -> its environment
    logical_ids: dict[str, str] = field(default_factory=dict)  # function ARN -> its logical id in template.yaml
    invocations: list[Invocation] = field(default_factory=list)
    cold_starts: int = 0
    _baton: Baton | None = None
    _environments: dict[str, int] = field(default_factory=dict)  # function ARN -> execution environments started
    _busy: dict[str, int] = field(default_factory=dict)  # function ARN -> environments running an invocation
    _local: threading.local = field(default_factory=threading.local)

    _sequence: itertools.count = field(default_factory=lambda: itertools.count(1))

    closed: bool = False

    def close(self) -> None:
        """Wait for the invocation in flight, if any, and refuse any later one.

        A stopped execution's thread may still be inside an invocation when its cloud closes; left alone it would go
        on running a handler after the cloud's patches and its mock are gone.
        """
        with self.baton:
            self.closed = True

    @property
    def baton(self) -> Baton:
        if self._baton is None:
            self._baton = Baton(self.clock)
        return self._baton

    def current(self) -> str | None:
        """The logical id of the function running in this thread, if any (who makes the AWS calls made now)."""
        return getattr(self._local, "function", None)

    def current_region(self) -> str | None:
        """The region of the function running in this thread, if any."""
        return getattr(self._local, "region", None)

    def current_invocation(self) -> int | None:
        """A number unique to the invocation running in this thread, if any."""
        return getattr(self._local, "invocation", None)

    def stop_if_timed_out(self) -> None:
        """Raise ``Killed`` if the invocation running in this thread is past its function's Timeout."""
        deadline = getattr(self._local, "deadline", None)
        if deadline is not None and self.clock.elapsed() > deadline:
            raise Killed

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
        AsyncInvocations(self).install(stack)
        stack.enter_context(patch.object(os, "environ", ThreadEnviron(os.environ)))
        submit = self._within_invocation(ThreadPoolExecutor.submit)
        stack.enter_context(patch.object(ThreadPoolExecutor, "submit", submit))
        stack.enter_context(patch.object(Future, "result", self._waiting_on_the_clock(Future.result)))

    def _waiting_on_the_clock(self, result: Callable[..., Any]) -> Callable[..., Any]:
        """An invocation waiting for its own pool's work waits on the clock, so it lets go of the baton meanwhile:
        in Lambda each invocation is a process of its own, and one waiting for its threads holds no other back."""
        runtime = self

        def result_on_clock(future: Future[Any], timeout: float | None = None) -> Any:
            if timeout is None and runtime.current() is not None and not future.done():
                runtime.clock.wait_until(future.done)
            return result(future, timeout)

        return result_on_clock

    def _within_invocation(self, submit: Callable[..., Future[Any]]) -> Callable[..., Future[Any]]:
        """Work a handler hands to a thread pool (``evac.domain.fanout.each``) runs as part of its invocation, as in
        Lambda, where every thread of the process is the function's: its AWS calls are the function's (faults, a dark
        region, least privilege) and it sees the function's environment."""
        runtime = self

        def submit_within(pool: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kw: Any) -> Future[Any]:
            if runtime.current() is None:
                return submit(pool, fn, *args, **kw)
            local = runtime._local
            context = (local.function, local.invocation, local.region, local.deadline)
            environ = os.environ
            variables = environ.own() if isinstance(environ, ThreadEnviron) else None

            def within(*args: Any, **kwargs: Any) -> Any:
                local = runtime._local
                local.function, local.invocation, local.region, local.deadline = context
                try:
                    with environment(variables or {}):
                        return fn(*args, **kwargs)
                finally:
                    local.function = local.invocation = local.region = local.deadline = None

            return submit(pool, within, *args, **kw)

        return submit_within

    def warm(self, regions: tuple[str, ...]) -> None:
        """Import every function's handler, and load what botocore and moto load the first time a service is used:
        this process's own one-off work, which costs no modelled time. Lambda's cold starts are charged per execution
        environment (``_start``)."""
        from evac.aws import clients

        for variables in self.environments.values():
            with environment(variables):
                importlib.import_module(_handler_module(variables["_HANDLER"]))
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
        if self.current() is not None:
            return self._invoke_apart(function, event)
        with self.baton:
            if self.closed:
                closed = {"errorMessage": "the local cloud is closed", "errorType": "LocalCloudClosed"}
                return json.dumps(closed), True, ""
            started = self.clock.elapsed()
            cold = self._start(function.function_arn)
            try:
                return self._invoke_in(function, payload, context, module_name, attribute, started, cold=cold)
            finally:
                self._busy[function.function_arn] -= 1

    def _invoke_apart(self, function: LambdaFunction, event: str | dict | None) -> tuple[str, bool, str]:
        """A handler invoking a function (a ``custom`` resource's): in Lambda that function runs in an execution
        environment of its own while the caller waits for its answer; here in a thread of its own, the caller letting
        go of the baton meanwhile."""
        answer: list[tuple[str, bool, str]] = []
        thread = threading.Thread(target=lambda: answer.append(self.invoke(function, event)), daemon=True)
        thread.start()
        self.clock.wait_until(lambda: not thread.is_alive())
        thread.join()
        return answer[0] if answer else (json.dumps({"errorMessage": "no answer"}), True, "")

    def stack_function(self) -> str | None:
        """The logical id of evac's function running in this thread; None for none, or for a function of the
        application's own (a ``custom`` resource's): its calls are the application's, never recorded nor faulted."""
        current = self.current()
        return current if current in self.logical_ids.values() else None

    def _start(self, arn: str) -> bool:
        """Take an idle execution environment of the function, or start one (a cold start: True), and charge it."""
        busy = self._busy.get(arn, 0)
        self._busy[arn] = busy + 1
        if busy < self._environments.get(arn, 0):
            self.clock.sleep(self.latencies.lambda_warm)
            return False
        self._environments[arn] = self._environments.get(arn, 0) + 1
        self.cold_starts += 1
        self.clock.sleep(self.latencies.lambda_cold_start + self.latencies.lambda_warm)
        return True

    def _invoke_in(
        self,
        function: LambdaFunction,
        payload: Any,
        context: SimpleNamespace,
        module_name: str,
        attribute: str,
        started: float,
        *,
        cold: bool,
    ) -> tuple[str, bool, str]:
        with environment(self.environments.get(function.function_arn, {})):
            self._local.function = self.logical_ids.get(function.function_arn, function.function_name)
            self._local.invocation = number = next(self._sequence)
            self._local.region = function.region
            self._local.deadline = started + float(function.timeout)
            try:
                handler = getattr(importlib.import_module(module_name), attribute)
                result, error = handler(payload, context), None
                body = json.dumps(result)
            except Killed:
                result, error, body = None, TIMED_OUT, "{}"  # said below, as for any invocation past its deadline
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
                self._local.function = self._local.invocation = self._local.region = self._local.deadline = None
            # What the invocation took in modelled time: its start, its calls, the timeouts and backoffs it waited.
            if (took := self.clock.elapsed() - started) > float(function.timeout):
                error, result = TIMED_OUT, None
                message = f"{context.aws_request_id} Task timed out after {float(function.timeout):.2f} seconds"
                body = json.dumps({"errorMessage": message})
                log.warning("%s timed out after %.1f modelled seconds", function.function_name, took)
            self.invocations.append(
                Invocation(
                    function.function_name,
                    function.region,
                    payload,
                    result,
                    error,
                    started,
                    self.clock.elapsed(),
                    cold,
                    number,
                )
            )
        return body, error is not None, ""


def quiet_handler_logs(stack: ExitStack, log_file: Path | None) -> None:
    """Handlers log JSON to stdout in Lambda; here their lines go to ``log_file`` (or nowhere) until ``stack`` closes.

    moto's Step Functions interpreter logs every failed state with its whole parse tree; the execution history says
    the same in a line.
    """
    interpreter = logging.getLogger("moto.stepfunctions")
    stack.callback(interpreter.setLevel, interpreter.level)
    interpreter.setLevel(logging.CRITICAL)
    target = log_file.open("a", encoding="utf-8") if log_file else open(os.devnull, "w")  # noqa: SIM115, PTH123
    stack.callback(target.close)
    redirect_handler_logs(stack, target)


def redirect_handler_logs(stack: ExitStack, target: IO[str]) -> None:
    """Send the handlers' log lines to ``target`` until ``stack`` closes.

    The handlers log through Powertools' ``Logger`` for the service the template's Globals name
    (``POWERTOOLS_SERVICE_NAME``). Powertools gives that service's ``logging.Logger`` its stdout handler when the first
    ``Logger`` for it is created, and every later one reuses it. Creating one here, with the same environment the
    handlers' own is created in, makes that handler exist to be redirected, whether or not a handler module has been
    imported yet.
    """
    service = Logger().service
    for handler in logging.getLogger(service).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(target)
            # Afterwards, whatever stdout is then, as in Lambda: the stream the handler was made with may have been a
            # caller's capture (a CLI test runner's) that is closed by now.
            stack.callback(handler.setStream, _CurrentStdout())


class _CurrentStdout:
    """Writes to ``sys.stdout`` as it is at each write."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()
