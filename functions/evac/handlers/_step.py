"""What every step handler shares: Powertools, the input contract, and error names the ASL can match on."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError
from pydantic import BaseModel, ValidationError

from evac.errors import AwsCallError, AwsTransientError, InvalidInputError, RegionUnavailableError, problems

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.typing import LambdaContext

logger, tracer, metrics = Logger(), Tracer(), Metrics()

In = TypeVar("In", bound=BaseModel)

# The incident id is the correlation id of every log line: it is the execution name too (all a run that failed in
# planning carries to RecordFailure).
CORRELATION = "run.incident_id || incident_id || execution"
THROTTLING = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}


def step(model: type[In]) -> Callable[[Callable[[In], BaseModel]], Callable[[dict, LambdaContext], dict]]:
    """Wrap ``fn(parsed) -> model`` as a Lambda handler.

    Input that does not match ``model`` raises ``InvalidInputError`` naming the fields; AWS errors are re-raised as
    ``AwsTransientError`` / ``RegionUnavailableError`` / ``AwsCallError`` naming the operation, so the ASL retries
    the transient ones and the run record says which call failed.
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
            try:
                result = fn(parsed)
            except ClientError as exc:
                raise translate(exc) from exc
            except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
                raise RegionUnavailableError(str(exc)) from exc
            except BotoCoreError as exc:
                raise AwsCallError(str(exc)) from exc
            return result.model_dump(mode="json")

        return handler

    return wrap


def describe(exc: ValidationError, what: str) -> str:
    return f"invalid {what}: {problems(exc)}"


def translate(exc: ClientError) -> AwsCallError:
    error: dict[str, Any] = dict(exc.response.get("Error", {}))
    code = str(error.get("Code", "Unknown"))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    message = f"{exc.operation_name} failed: {code}: {error.get('Message', '')}"
    if code in THROTTLING or status >= 500:
        return AwsTransientError(message)
    return AwsCallError(message)
