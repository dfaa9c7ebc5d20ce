"""What every step handler shares: Powertools, the input contract, and error names the ASL can match on."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from pydantic import BaseModel, ValidationError

from evac.aws.errors import aws_errors
from evac.aws.warmup import WARM_ANSWER, is_warm_up, warm_up, warm_ups
from evac.errors import InvalidInputError, problems

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from evac.settings import Settings

logger, tracer, metrics = Logger(), Tracer(), Metrics()

In = TypeVar("In", bound=BaseModel)

# The incident id is the correlation id of every log line: it is the execution name too (all a run that failed in
# planning carries to RecordFailure).
CORRELATION = "run.incident_id || request.incident_id || incident_id || execution || ExecutionId"


def step(model: type[In]) -> Callable[[Callable[[In], BaseModel]], Callable[[dict, LambdaContext], dict]]:
    """Wrap ``fn(parsed) -> model`` as a Lambda handler.

    Input that does not match ``model`` raises ``InvalidInputError`` naming the fields; AWS errors are re-raised as
    ``AwsTransientError`` / ``RegionUnavailableError`` / ``AwsCallError`` naming the operation, so the ASL retries
    the transient ones and the run record says which call failed.

    A warm-up (``evac.aws.warmup``) is answered at once, before the input is validated: its purpose was the INIT
    (this module imported, the environment started), so it calls no AWS API and emits no metric, one debug line only.
    """

    def wrap(fn: Callable[[In], BaseModel]) -> Callable[[dict, LambdaContext], dict]:
        @logger.inject_lambda_context(correlation_id_path=CORRELATION, clear_state=True)
        @tracer.capture_lambda_handler
        @metrics.log_metrics
        @functools.wraps(fn)
        def handler(event: dict, context: LambdaContext) -> dict:  # noqa: ARG001 - Lambda's signature
            try:
                parsed = model.model_validate(event)
            except ValidationError as exc:
                raise InvalidInputError(describe(exc, model.__name__)) from None
            with aws_errors():
                result = fn(parsed)
            return result.model_dump(mode="json")

        @functools.wraps(fn)
        def answer_warm_up(event: dict, context: LambdaContext) -> dict:
            if is_warm_up(event):
                logger.debug("warm-up answered")
                return dict(WARM_ANSWER)
            return handler(event, context)

        return answer_warm_up

    return wrap


def warm(config: Settings) -> None:
    """Warm the functions ``config`` names before they are needed (``evac.aws.warmup``), those the runbook runs once
    per endpoint once for each of its plan's endpoints it runs at once. Best effort: a warm-up refused (denied,
    throttled) or unanswered is logged and ignored; the run goes on, cold, as it would have without it."""
    endpoints = len(config.plan.inference.endpoints)
    functions = warm_ups(config.warm_functions, config.warm_per_endpoint, endpoints)
    if missed := warm_up(functions, config.region):
        logger.warning("warm-up not sent (ignored: the run goes on without it)", extra={"missed": missed})


def describe(exc: ValidationError, what: str) -> str:
    return f"invalid {what}: {problems(exc)}"
