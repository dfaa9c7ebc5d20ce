"""Faults on demand, injected below the handlers, and a record of every AWS call the system under test makes.

Two botocore event handlers are put in ``botocore.handlers.BUILTIN_HANDLERS`` ahead of moto's stub, so every
session created afterwards (evac's clients, Step Functions' own integration clients) carries them:

- ``before-parameter-build`` opens a *call*: one API call, whatever botocore's retries do with it. It knows the
  service, the operation, the client's region and configuration (its timeouts) and the parameters.
- ``before-send`` sees each *attempt* of that call. It attributes the call to whoever made it (the Lambda function
  the local cloud's runtime is running in this thread, or the state machine, whose integration clients sign with
  their own credentials), records it, and injects the fault the call is due, if any:

  ============== ============================================================================================
  ``throttling`` the service's throttling error (``ThrottlingException`` / ``Throttling`` 400,
                 Lambda ``TooManyRequestsException`` 429, SNS ``Throttled`` 429)
  ``5xx``        the service's internal error (``InternalFailure`` 500, DynamoDB ``InternalServerError``,
                 Lambda ``ServiceException``, SNS ``InternalError``)
  ``503``        ``ServiceUnavailable`` 503
  ``access-denied`` ``AccessDeniedException`` / ``AccessDenied`` 403 (SNS ``AuthorizationError``), naming the
                 IAM action, as IAM does
  ``timeout``    botocore's ``ReadTimeoutError``, after the client's ``read_timeout`` on the scaled clock
  ``connection`` botocore's ``EndpointConnectionError`` (the endpoint's name does not resolve), at once
  ``refused``    the service refuses the request with the fault's own ``code``, ``status`` and ``message``
                 (``InvalidGlobalClusterStateFault``...)
  ============== ============================================================================================

  A region *blackout* makes every attempt to that region's endpoints fail with ``ConnectTimeoutError`` after the
  client's ``connect_timeout``, from a modelled moment on. Global endpoints (Route 53) are not regional.

An error response is a real HTTP response in the service's protocol, so botocore parses it and retries it as it
would in AWS (its retry sleeps are played on the scaled clock too). The faulted request itself is re-addressed to a
host no service answers (``.invalid``, RFC 6761), so moto's stub behind this hook lets it pass and the operation
does not happen. A fault spans whole calls: every attempt of a faulted call fails, so botocore's own retries are
exhausted and the error reaches the handler, and the runbook's ASL ``Retry`` is what is put to the test.

Calls the drill harness makes (observing the cloud, delivering alarm events) are neither recorded nor faulted.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Any, Final, Literal, get_args
from unittest.mock import patch
from urllib.parse import urlsplit

import botocore.endpoint
import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
    StateTaskService,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from botocore.awsrequest import AWSPreparedRequest
    from botocore.model import OperationModel

    from evacops.localcloud.clock import ScaledClock

FaultKind = Literal["throttling", "5xx", "503", "access-denied", "timeout", "connection", "refused"]
FAULT_KINDS: Final = get_args(FaultKind)
TRANSIENT: Final = frozenset({"throttling", "5xx", "503", "timeout", "connection"})
PERMANENT: Final = frozenset({"access-denied", "refused"})
# moto's Step Functions interpreter creates its integration clients with these credentials
# (moto.stepfunctions.parser.asl.utils.boto_client): a call signed with them is the state machine's own.
STATES_ACCESS_KEY: Final = "ak"
# Step Functions' own client timeouts are not published; moto sets 99999999 s. A timeout there costs this much.
_MAX_MODELLED_TIMEOUT: Final = 60.0
_NOWHERE: Final = "https://fault.evac.invalid/"
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")

# IAM's service prefix where it is not the boto3 service name, and actions not named after their operation
# (the Service Authorization Reference: S3's HeadObject is authorized as GetObject, and so on).
_IAM_PREFIX: Final = {"sagemaker-runtime": "sagemaker", "stepfunctions": "states", "service-quotas": "servicequotas"}
_IAM_ACTION: Final = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("s3", "GetBucketReplication"): "GetReplicationConfiguration",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action an API call needs: ``iam_action("sagemaker-runtime", "InvokeEndpoint")`` is
    ``"sagemaker:InvokeEndpoint"``, ``iam_action("lambda", "Invoke")`` is ``"lambda:InvokeFunction"``."""
    return f"{_IAM_PREFIX.get(service, service)}:{_IAM_ACTION.get((service, operation), operation)}"


@dataclass(frozen=True)
class Fault:
    """Make matching calls fail: the ``first``-th matching call and the ``calls - 1`` after it (all, if None).

    Unset filters match anything. ``caller`` is a function's logical id (``CheckDatabaseFunction``) or the state
    machine's (``FailoverRunbook``); ``target`` matches the call's main resource (for Lambda ``Invoke``, the
    function's logical id), so one Lambda task can be faulted and not the others.
    """

    kind: FaultKind
    service: str | None = None
    operation: str | None = None
    region: str | None = None
    caller: str | None = None
    target: str | None = None
    first: int = 1
    calls: int | None = 1
    code: str | None = None  # for "refused": the error code, HTTP status and message the service answers with
    status: int = 400
    message: str = ""

    def matches(self, call: Call) -> bool:
        wanted = (self.service, self.operation, self.region, self.caller, self.target)
        found = (call.service, call.operation, call.region, call.caller, call.target)
        return all(w is None or w == f for w, f in zip(wanted, found, strict=True))

    def due(self, ordinal: int) -> bool:
        """Whether the ``ordinal``-th matching call (from 1) fails."""
        return ordinal >= self.first and (self.calls is None or ordinal < self.first + self.calls)

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT


@dataclass
class Call:
    """One API call of the system under test, as CloudTrail would show it (plus what the local cloud did to it)."""

    seq: int
    at: float  # modelled seconds since the cloud started
    caller: str  # logical id of the function, or of the state machine for its own integrations
    caller_region: str  # the region of the stack the caller belongs to
    service: str  # boto3's name: rds, sagemaker-runtime, stepfunctions...
    operation: str  # the API's name: DescribeGlobalClusters
    region: str  # the client's region
    global_endpoint: bool  # the endpoint serves every region (Route 53)
    params: dict[str, Any]
    target: str | None = None
    invocation: int | None = None  # which invocation of the calling function made it
    attempts: int = 0
    fault: str | None = None  # the fault kind injected, or "blackout"
    faulted_by: Fault | None = field(default=None, repr=False)

    @property
    def action(self) -> str:
        return iam_action(self.service, self.operation)


@dataclass
class _Pending:
    service: str
    operation: str
    region: str
    protocol: str
    connect_timeout: float
    read_timeout: float
    params: dict[str, Any]
    call: Call | None = None
    attributed: bool = False
    fault: Fault | None = None


@dataclass
class FaultInjector:
    """Records the calls of the system under test and injects the faults it is given (``inject``, ``blackout``).

    ``who()`` names the function running in this thread (its logical id), or None, and ``invocation()`` numbers its
    invocation, and ``where()`` its region; ``state_machine()`` names the state machine whose task runs in this
    thread (its integrations sign with Step Functions' credentials); ``functions`` maps a function name or ARN to its
    logical id (a Lambda ``Invoke`` target).
    """

    clock: ScaledClock
    who: Callable[[], str | None]
    state_machine: Callable[[], str | None]
    functions: Callable[[str], str | None] = lambda _name: None
    invocation: Callable[[], int | None] = lambda: None
    where: Callable[[], str | None] = lambda: None
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    blackouts: dict[str, float] = field(default_factory=dict)  # region -> modelled start
    _counts: dict[int, int] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    _active: bool = False

    # --- what to inject -----------------------------------------------------------------------------------------------
    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def heal(self) -> None:
        """No more faults and no more blackouts from now on (what was recorded stays)."""
        with self._lock:
            self.faults.clear()
            self._counts.clear()
        self.blackouts.clear()

    def blackout(self, region: str, *, at: float | None = None) -> None:
        """Every call to ``region``'s endpoints fails from modelled time ``at`` (default: now) on."""
        self.blackouts[region] = self.clock.elapsed() if at is None else at

    def dark(self, region: str) -> bool:
        start = self.blackouts.get(region)
        return start is not None and self.clock.elapsed() >= start

    def injected(self, fault: Fault | None = None) -> list[Call]:
        """The calls that were faulted (by ``fault``, or by any fault or blackout)."""
        return [c for c in self.calls if c.fault and (fault is None or c.faulted_by is fault)]

    # --- lifecycle ----------------------------------------------------------------------------------------------------
    def install(self, stack: ExitStack) -> None:
        """Put the hooks ahead of moto's stub in botocore's built-in handlers, and play botocore's retry sleeps on the
        scaled clock. Sessions created before this do not carry the hooks: create clients afterwards."""
        handlers = botocore.handlers.BUILTIN_HANDLERS
        ours = [("before-parameter-build", self._open_call), ("before-send", self._attempt)]
        moto_at = next(
            (i for i, (event, handler, *_) in enumerate(handlers) if event == "before-send" and _is_moto(handler)),
            len(handlers),
        )
        handlers[moto_at:moto_at] = ours
        self._active = True

        def uninstall() -> None:
            self._active = False
            for entry in ours:
                handlers.remove(entry)

        stack.callback(uninstall)
        stack.enter_context(
            patch.object(botocore.endpoint, "time", _ScaledTime(self.clock))  # the retry handler's time.sleep
        )

    # --- the hooks ----------------------------------------------------------------------------------------------------
    def _open_call(self, params: dict[str, Any], model: OperationModel, context: dict[str, Any], **_: Any) -> None:
        if not self._active:
            return
        config = context.get("client_config")
        self._local.pending = _Pending(
            service=model.service_model.service_name,
            operation=model.name,
            region=str(context.get("client_region") or ""),
            protocol=model.service_model.resolved_protocol,
            connect_timeout=float(getattr(config, "connect_timeout", None) or 60),
            read_timeout=float(getattr(config, "read_timeout", None) or 60),
            params=dict(params),
        )

    def _attempt(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        pending: _Pending | None = getattr(self._local, "pending", None)
        if not self._active or pending is None:
            return None
        if not pending.attributed:
            pending.attributed = True
            self._attribute(pending, request)
        call = pending.call
        if call is None:
            return None
        call.attempts += 1
        host = urlsplit(request.url).hostname or ""
        if not call.global_endpoint and self.dark(call.region) and call.region in host:
            call.fault = "blackout"
            self.clock.sleep(min(pending.connect_timeout, _MAX_MODELLED_TIMEOUT))
            raise ConnectTimeoutError(endpoint_url=request.url)
        if pending.fault is None:
            return None
        return self._fail(pending, pending.fault, call, request)

    def _attribute(self, pending: _Pending, request: AWSPreparedRequest) -> None:
        caller = self.who()
        if caller is None:
            caller = self.state_machine()
            if caller is None or _access_key(request) != STATES_ACCESS_KEY:
                return  # the harness: neither recorded nor faulted
        host = urlsplit(request.url).hostname or ""
        call = Call(
            seq=next(self._seq),
            at=round(self.clock.elapsed(), 3),
            caller=caller,
            caller_region=self.where() or pending.region,
            service=pending.service,
            operation=pending.operation,
            region=pending.region,
            global_endpoint=bool(pending.region) and pending.region not in host,
            params=pending.params,
            invocation=self.invocation(),
        )
        if call.service == "lambda" and "FunctionName" in call.params:
            call.target = self.functions(str(call.params["FunctionName"]))
        with self._lock:
            self.calls.append(call)
            for index, fault in enumerate(self.faults):
                if not fault.matches(call):
                    continue
                self._counts[index] = self._counts.get(index, 0) + 1
                if pending.fault is None and fault.due(self._counts[index]):
                    pending.fault = fault
                    call.faulted_by = fault
        pending.call = call

    def _fail(self, pending: _Pending, fault: Fault, call: Call, request: AWSPreparedRequest) -> AWSResponse:
        call.fault = fault.kind
        if fault.kind == "timeout":
            self.clock.sleep(min(pending.read_timeout, _MAX_MODELLED_TIMEOUT))
            raise ReadTimeoutError(endpoint_url=request.url)
        if fault.kind == "connection":
            raise EndpointConnectionError(endpoint_url=request.url)
        status, code, message = (
            (fault.status, fault.code or "ValidationError", fault.message) if fault.kind == "refused"
            else _error(fault.kind, call)
        )
        response = error_response(pending.protocol, status, code, message, url=request.url)
        request.url = _NOWHERE  # moto's stub, next in line, passes on a host it does not serve
        return response


def _is_moto(handler: object) -> bool:
    return type(handler).__module__.startswith("moto.")


def _access_key(request: AWSPreparedRequest) -> str | None:
    """The access key id the request is signed with (SigV4's ``Credential=<key>/<scope>``)."""
    header = request.headers.get("Authorization", "")
    found = _CREDENTIAL.search(header.decode() if isinstance(header, bytes) else str(header))
    return found.group(1) if found else None


class StateMachineContext:
    """Which state machine's task runs in this thread: moto's interpreter evaluates each Task state in a thread of its
    own, and every AWS call the task makes (a Lambda invoke, an optimized integration) is that state machine's."""

    def __init__(self) -> None:
        self._local = threading.local()

    def current(self) -> str | None:
        """The name of the state machine whose Task runs in this thread, if any."""
        return getattr(self._local, "name", None)

    def install(self, stack: ExitStack) -> None:
        for task_class in (StateTaskLambda, StateTaskService):
            stack.enter_context(
                patch.object(task_class, "_eval_execution", self._tagged(task_class._eval_execution))
            )

    def _tagged(self, original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        context = self

        def eval_execution(task: Any, env: Any) -> None:
            before = context.current()
            context._local.name = env.states.context_object.context_object_data["StateMachine"]["Name"]
            try:
                original(task, env)
            finally:
                context._local.name = before

        return eval_execution


class _ScaledTime:
    """``botocore.endpoint``'s view of ``time``: its retry backoff sleeps on the scaled clock."""

    def __init__(self, clock: ScaledClock) -> None:
        self.sleep = clock.sleep


# --- error responses, in each protocol --------------------------------------------------------------------------------
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


def _error(kind: str, call: Call) -> tuple[int, str, str]:
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
