"""AWS error responses in each service's protocol, as the service's API reference names and numbers them, for
botocore to parse (and retry) as it would in AWS."""

from __future__ import annotations

import json
import uuid
from io import BytesIO
from typing import TYPE_CHECKING, Any, Final

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

if TYPE_CHECKING:
    from evacops.localcloud.faults.calls import Call


_ERRORS: Final[dict[str, tuple[int, str]]] = {
    "throttling": (400, "ThrottlingException"),
    "5xx": (500, "InternalFailure"),
    "503": (503, "ServiceUnavailable"),
    "access-denied": (400, "AccessDeniedException"),
}
# Where a service (or a protocol) names or numbers them otherwise, from its API reference's Errors section.
_SERVICE_ERRORS: Final[dict[tuple[str, str], tuple[int, str]]] = {
    ("lambda", "throttling"): (429, "TooManyRequestsException"),
    ("lambda", "5xx"): (500, "ServiceException"),
    ("lambda", "access-denied"): (403, "AccessDeniedException"),
    ("sagemaker-runtime", "access-denied"): (403, "AccessDeniedException"),
    ("dynamodb", "5xx"): (500, "InternalServerError"),
    ("sns", "throttling"): (429, "Throttled"),
    ("sns", "5xx"): (500, "InternalError"),
    ("sns", "access-denied"): (403, "AuthorizationError"),
    ("rds", "throttling"): (400, "Throttling"),
    ("rds", "access-denied"): (403, "AccessDenied"),
    ("route53", "throttling"): (400, "Throttling"),
    ("route53", "access-denied"): (403, "AccessDenied"),
    ("cloudwatch", "throttling"): (400, "Throttling"),
    ("cloudwatch", "access-denied"): (403, "AccessDenied"),
}


def service_error(kind: str, call: Call) -> tuple[int, str, str]:
    status, code = _SERVICE_ERRORS.get((call.service, kind), _ERRORS[kind])
    if kind == "access-denied":
        message = (
            f"User: arn:aws:sts::123456789012:assumed-role/evac-{call.caller}-role/evac-{call.caller} is not authorized"
            f" to perform: {call.action} because no identity-based policy allows the {call.action} action"
        )
    elif kind == "throttling":
        message = "Rate exceeded"
    else:
        message = "We encountered an internal error. Please try again."
    return status, code, message


def error_response(protocol: str, status: int, code: str, message: str, *, url: str) -> AWSResponse:
    """An AWS error response as the service's protocol shapes it, for botocore to parse."""
    request_id = str(uuid.uuid4())
    headers = HTTPHeaders()
    headers["x-amzn-RequestId"] = request_id
    if protocol in ("json", "rest-json"):
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["x-amzn-ErrorType"] = f"{code}:"
        body = json.dumps({"__type": code, "message": message})
    elif protocol in ("query", "rest-xml", "ec2"):
        headers["Content-Type"] = "text/xml"
        body = (
            "<ErrorResponse><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error>"
            "<RequestId>{}</RequestId></ErrorResponse>"
        ).format("Receiver" if status >= 500 else "Sender", code, _xml(message), request_id)
    else:
        raise NotImplementedError(f"error responses in protocol {protocol!r}")
    return AWSResponse(url, status, headers, _Raw(body.encode()))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Raw(BytesIO):
    """What ``AWSResponse`` reads a body from."""

    def stream(self, **_: Any) -> Any:
        yield self.read()
