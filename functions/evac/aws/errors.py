"""botocore's errors as evac's: what an adapter could not do, named so the ASL and readiness can tell them apart.

A step handler translates whatever escapes it (``evac.handlers._step``); an adapter whose callers must tell a
missing resource from an unreadable one (readiness) translates inside, with ``aws_errors``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError

from evac.errors import AwsCallError, AwsTransientError, RegionUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

THROTTLING = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}


def translate(exc: ClientError) -> AwsCallError:
    """``AwsTransientError`` for throttling and 5xx (the ASL retries those), ``AwsCallError`` for the rest."""
    error: dict[str, Any] = dict(exc.response.get("Error", {}))
    code = str(error.get("Code", "Unknown"))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    message = f"{exc.operation_name} failed: {code}: {error.get('Message', '')}"
    if code in THROTTLING or status >= 500:
        return AwsTransientError(message)
    return AwsCallError(message)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


@contextmanager
def aws_errors() -> Iterator[None]:
    """Re-raise botocore's errors as evac's: a region that does not answer is ``RegionUnavailableError``."""
    try:
        yield
    except ClientError as exc:
        raise translate(exc) from exc
    except (ConnectionError, ConnectTimeoutError, ReadTimeoutError) as exc:
        raise RegionUnavailableError(str(exc)) from exc
    except BotoCoreError as exc:
        raise AwsCallError(str(exc)) from exc
