"""Lambda: event source mappings (a consumer's state, turning it on or off) and invoking a function of the
application's, synchronously, within a timeout."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from evac import clock
from evac.aws.clients import bounded, client
from evac.aws.errors import aws_errors, error_code
from evac.domain.kinds.ports import Invoked
from evac.errors import FunctionTimeoutError


class EventSourceMappings:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._lambda = client("lambda", region, probe=probe)

    def state(self, uuid: str) -> str | None:
        """Enabled, Enabling, Disabled, Disabling...; None if there is no such mapping."""
        with aws_errors():
            try:
                return str(self._lambda.get_event_source_mapping(UUID=uuid)["State"])
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise

    def set_enabled(self, uuid: str, enabled: bool) -> None:
        with aws_errors():
            self._lambda.update_event_source_mapping(UUID=uuid, Enabled=enabled)


class Functions:
    def __init__(self, region: str) -> None:
        self._region = region

    def invoke(self, name: str, event: dict[str, Any], timeout_seconds: float) -> Invoked:
        """Invoke ``name`` (``RequestResponse``) and wait ``timeout_seconds`` at most for its answer, in one attempt:
        a retry would run the function again. A ``FunctionError`` is the function's error (``errorType``:
        ``errorMessage``); no answer in time is ``FunctionTimeoutError``."""
        started = clock.stopwatch()
        try:
            with aws_errors():
                answer = bounded("lambda", self._region, timeout_seconds).invoke(
                    FunctionName=name, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
                )
        except Exception as exc:
            if isinstance(exc.__cause__, ReadTimeoutError):
                raise FunctionTimeoutError(f"{name} did not answer within {timeout_seconds:g} s") from exc
            raise
        if clock.stopwatch() - started > timeout_seconds:
            raise FunctionTimeoutError(f"{name} did not answer within {timeout_seconds:g} s")
        if not answer.get("FunctionError"):
            return Invoked()
        return Invoked(error=f"{answer['FunctionError']}: {_error(answer['Payload'].read())}")


def _error(payload: bytes) -> str:
    """``errorType: errorMessage`` from an error payload, or its first characters if it is not Lambda's shape."""
    try:
        body = json.loads(payload)
    except ValueError:
        return payload[:200].decode(errors="replace")
    if not isinstance(body, dict):
        return str(body)[:200]
    return f"{body.get('errorType', 'Error')}: {body.get('errorMessage', '')}"[:300]
