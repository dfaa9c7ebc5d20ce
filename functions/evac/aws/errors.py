"""botocore's errors as evac's: what an adapter could not do, named so the ASL and readiness can tell them apart.

A step handler translates whatever escapes it (``evac.handlers._step``); an adapter whose callers must tell a
missing resource from an unreadable one (readiness) translates inside, with ``aws_errors``; an adapter that names a
refusal (``DatabasePromotionError``...) lets throttling and 5xx through first (``is_transient``), so the ASL retries.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ConnectTimeoutError, ReadTimeoutError

from evac.errors import AwsCallError, AwsTransientError, RegionUnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

# Throttling codes across evac's services (botocore's standard retry mode knows these too).
THROTTLING: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "Throttled",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "PriorRequestNotComplete",
    }
)

# How services say IAM refused the caller (IAM's, STS's and SNS's spellings).
ACCESS_DENIED: Final = frozenset(
    {"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation"}
)


def is_transient(exc: ClientError) -> bool:
    """Throttling or a 5xx: the same request may well succeed later.

    >>> is_transient(ClientError({"Error": {"Code": "Throttling"}}, "FailoverGlobalCluster"))
    True
    """
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    return error_code(exc) in THROTTLING or status >= 500


def translate(exc: ClientError) -> AwsCallError:
    """``AwsTransientError`` for throttling and 5xx (the ASL retries those), ``AwsCallError`` for the rest; the
    message names the operation."""
    error: dict[str, Any] = dict(exc.response.get("Error", {}))
    message = f"{exc.operation_name} failed: {error.get('Code', 'Unknown')}: {error.get('Message', '')}"
    if is_transient(exc):
        return AwsTransientError(message)
    return AwsCallError(message, denied=error_code(exc) in ACCESS_DENIED)


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
