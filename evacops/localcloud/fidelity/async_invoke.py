"""Lambda's asynchronous invocation (``InvocationType="Event"``): moto 5.2.5 runs every invoke synchronously, whatever
its type, and answers an ``Event`` one with 202 only once the function has returned.

What Lambda does (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html): it places the event in a queue
and answers 202 at once, without the function's result; the function runs apart, later. Here the caller is charged
``Latencies.lambda_async_accept`` and gets 202, and the invocation runs in a thread of its own through the local cloud's
Lambda runtime, as any other: it takes an idle execution environment of the function or starts one, paying its INIT
(``Latencies.lambda_cold_start``) there, off the caller's path. An environment is busy while it initialises and while
it runs an invocation, so an invocation that arrives meanwhile takes another environment, cold
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html: one environment runs one invocation at a
time, and Lambda starts another when all are busy).

Not modelled: Lambda's retries of an asynchronous invocation that failed (two by default) and its destinations;
evac's only asynchronous invocations are warm-ups (``evac.aws.warmup``), answered at once without error.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.awslambda.models import LambdaFunction

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.runtime import LambdaRuntime

EVENT = "Event"


def invocation_type(headers: Any) -> str:
    """The request's ``X-Amz-Invocation-Type`` (``RequestResponse`` when absent, as Lambda reads it)."""
    found = headers.get("X-Amz-Invocation-Type") or headers.get("x-amz-invocation-type")
    return str(found or "RequestResponse")


@dataclass
class AsyncInvocations:
    """Answers ``Event`` invocations at once and runs them apart, for the life of the cloud (``install``)."""

    runtime: LambdaRuntime

    def install(self, stack: ExitStack) -> None:
        synchronous = LambdaFunction.invoke
        runs_apart = self.run_apart

        def invoke(function: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
            if invocation_type(request_headers) != EVENT:
                return synchronous(function, body, request_headers, response_headers)
            runs_apart(function, body)
            return ""  # moto answers 202 with this body

        stack.enter_context(patch.object(LambdaFunction, "invoke", invoke))

    def run_apart(self, function: LambdaFunction, body: str | None) -> threading.Thread:
        """Queue the event (the caller waits the accept only) and run the invocation in a thread of its own."""
        thread = threading.Thread(
            target=self.runtime.invoke, args=(function, body or "{}"), name=f"event-{function.function_name}"
        )
        thread.daemon = True
        thread.start()
        self.runtime.clock.sleep(self.runtime.latencies.lambda_async_accept)
        return thread
