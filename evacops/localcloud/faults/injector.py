"""The fault injector: two botocore event handlers ahead of moto's stub that record each call of the system under
test and fail the ones a fault or a blackout is due (see the package's docstring for the kinds). Each attempt a call
of the system under test makes costs that service's modelled latency (``latency``) on the virtual clock."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch
from urllib.parse import urlsplit

import botocore.endpoint
import botocore.handlers
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from evacops.localcloud.faults.calls import STATES_ACCESS_KEY, Call, signed_by
from evacops.localcloud.faults.responses import error_response, service_error

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from botocore.awsrequest import AWSPreparedRequest, AWSResponse
    from botocore.model import OperationModel

    from evacops.localcloud.clock import VirtualClock
    from evacops.localcloud.faults.model import Fault


# Step Functions' own client timeouts are not published; moto sets 99999999 s. A timeout there costs this much.
_MAX_MODELLED_TIMEOUT: Final = 60.0
_NOWHERE: Final = "https://fault.evac.invalid/"
# Where a global service's control plane lives: its API goes dark with that region (its data plane does not).
GLOBAL_CONTROL_PLANES: Final = {"route53": "us-east-1"}


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
    logical id (a Lambda ``Invoke`` target); ``latency(service)`` is what one attempt of a call to that service takes.
    """

    clock: VirtualClock
    who: Callable[[], str | None]
    state_machine: Callable[[], str | None]
    functions: Callable[[str], str | None] = lambda _name: None
    invocation: Callable[[], int | None] = lambda: None
    where: Callable[[], str | None] = lambda: None
    stop_if_timed_out: Callable[[], None] = lambda: None  # Lambda stopped an invocation at its Timeout: no more calls
    latency: Callable[[str], float] = lambda _service: 0.0
    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    blackouts: dict[str, float] = field(default_factory=dict)  # region -> modelled start
    _counts: dict[int, int] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    _active: bool = False
    _service: Callable[..., Any] | None = None

    # --- what to inject -----------------------------------------------------------------------------------------------
    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def lift(self, which: Callable[[Fault], bool]) -> None:
        """No more of the faults ``which`` selects (the others keep their counts)."""
        with self._lock:
            kept = [(i, f) for i, f in enumerate(self.faults) if not which(f)]
            self._counts = {new: self._counts[old] for new, (old, _) in enumerate(kept) if old in self._counts}
            self.faults[:] = [f for _, f in kept]

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
        virtual clock. Sessions created before this do not carry the hooks: create clients afterwards."""
        handlers = botocore.handlers.BUILTIN_HANDLERS
        ours = [("before-parameter-build", self._open_call), ("before-send", self._attempt)]
        moto_at = next(
            (i for i, (event, handler, *_) in enumerate(handlers) if event == "before-send" and _is_moto(handler)),
            len(handlers),
        )
        if moto_at < len(handlers):
            self._service = handlers[moto_at][1]  # what answers a call that takes effect before its answer is lost
        handlers[moto_at:moto_at] = ours
        self._active = True

        def uninstall() -> None:
            self._active = False
            for entry in ours:
                handlers.remove(entry)

        stack.callback(uninstall)
        stack.enter_context(
            patch.object(botocore.endpoint, "time", _ModelledTime(self.clock))  # the retry handler's time.sleep
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
        self.stop_if_timed_out()
        if not pending.attributed:
            pending.attributed = True
            self._attribute(pending, request)
        call = pending.call
        if call is None:
            return None
        call.attempts += 1
        host = urlsplit(request.url).hostname or ""
        if self._unreachable(call, host):
            call.fault = "blackout"
            self.clock.sleep(min(pending.connect_timeout, _MAX_MODELLED_TIMEOUT))
            raise ConnectTimeoutError(endpoint_url=request.url)
        self.clock.sleep(self.latency(pending.service))
        if pending.fault is None:
            return None
        return self._fail(pending, pending.fault, call, request)

    def _unreachable(self, call: Call, host: str) -> bool:
        """A regional endpoint of a dark region, or a global service whose control plane lives in one (Route 53's, in
        us-east-1: AWS Fault Isolation Boundaries, "Global services")."""
        if call.global_endpoint:
            home = GLOBAL_CONTROL_PLANES.get(call.service)
            return home is not None and self.dark(home)
        return self.dark(call.region) and call.region in host

    def _attribute(self, pending: _Pending, request: AWSPreparedRequest) -> None:
        caller = self.who()
        if caller is None:
            caller = self.state_machine()
            if caller is None or signed_by(request) != STATES_ACCESS_KEY:
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
        if fault.after_effect and self._service is not None:
            self._service(event_name="before-send", request=request)  # the change is made; its answer is dropped
        if fault.kind == "timeout":
            self.clock.sleep(min(pending.read_timeout, _MAX_MODELLED_TIMEOUT))
            raise ReadTimeoutError(endpoint_url=request.url)
        if fault.kind == "connection":
            raise EndpointConnectionError(endpoint_url=request.url)
        status, code, message = (
            (fault.status, fault.code or "ValidationError", fault.message)
            if fault.kind == "refused"
            else service_error(fault.kind, call)
        )
        response = error_response(pending.protocol, status, code, message, url=request.url)
        request.url = _NOWHERE  # moto's stub, next in line, passes on a host it does not serve
        return response


def _is_moto(handler: object) -> bool:
    return type(handler).__module__.startswith("moto.")


class _ModelledTime:
    """``botocore.endpoint``'s view of ``time``: its retry backoff sleeps on the virtual clock."""

    def __init__(self, clock: VirtualClock) -> None:
        self.sleep = clock.sleep
