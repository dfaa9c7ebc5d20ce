"""Route 53 ARC's routing-control data plane (``route53-recovery-cluster``), which moto 5.2 does not have at all.

A cluster is "a set of five redundant Regional endpoints against which you can run API calls to get or update the
state of routing controls" (Route53 Recovery Cluster API reference, Welcome). Modelled operations, each as its API
reference describes it:

- ``GetRoutingControlState``: ``{RoutingControlArn, RoutingControlState, RoutingControlName}``;
  ``ResourceNotFoundException`` for an ARN the cluster does not host.
- ``UpdateRoutingControlState`` / ``UpdateRoutingControlStates``: set one, or several at once (all or none: an unknown
  ARN fails the whole request).
- ``ListRoutingControls``: every control with its state.

A request reaches the cluster only at one of its endpoints; an endpoint whose region is dark times out like any other
regional endpoint (the fault injector sees the region in its host name), the others keep answering. The routing
controls are held here, per cluster; ``health_checks.Route53HealthChecks`` reads them for ``RECOVERY_CONTROL``
health checks.
"""

from __future__ import annotations

import json
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import EndpointConnectionError

from evacops.localcloud.faults import error_response

if TYPE_CHECKING:
    from contextlib import ExitStack

    from botocore.awsrequest import AWSPreparedRequest

SERVICE = "route53-recovery-cluster"


class RoutingControlCluster:
    """One ARC cluster: its regional endpoints (URL -> region) and its routing controls (ARN -> name, state)."""

    def __init__(self) -> None:
        self.endpoints: dict[str, str] = {}
        self.controls: dict[str, dict[str, str]] = {}
        self.updates: list[dict[str, Any]] = []

    def add_endpoint(self, url: str, region: str) -> None:
        self.endpoints[urlsplit(url).hostname or url] = region

    def add_control(self, arn: str, name: str, state: str = "Off") -> None:
        self.controls[arn] = {"RoutingControlArn": arn, "RoutingControlName": name, "RoutingControlState": state}

    def state(self, arn: str) -> str | None:
        found = self.controls.get(arn)
        return found["RoutingControlState"] if found else None

    def install(self, stack: ExitStack) -> None:
        handlers = botocore.handlers.BUILTIN_HANDLERS
        ours = (f"before-send.{SERVICE}", self._answer)
        moto_at = next(
            (i for i, (event, handler, *_) in enumerate(handlers) if event == "before-send" and _is_moto(handler)),
            len(handlers),
        )
        handlers.insert(moto_at, ours)
        stack.callback(handlers.remove, ours)

    # --- the API ---------------------------------------------------------------------------------------------------
    def _answer(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        host = urlsplit(request.url).hostname or ""
        if host not in self.endpoints:
            raise EndpointConnectionError(endpoint_url=request.url)  # not one of the cluster's endpoints
        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else str(target)).rsplit(".", 1)[-1]
        body = request.body or b"{}"
        params = json.loads(body.decode() if isinstance(body, bytes | bytearray) else str(body))
        handler = {
            "GetRoutingControlState": self._get,
            "UpdateRoutingControlState": self._update_one,
            "UpdateRoutingControlStates": self._update_many,
            "ListRoutingControls": self._list,
        }.get(operation)
        if handler is None:
            return error_response("json", 400, "ValidationException", f"{operation} is not modelled", url=request.url)
        try:
            return _ok(request.url, handler(params))
        except KeyError as exc:
            return error_response(
                "json", 404, "ResourceNotFoundException", f"routing control {exc.args[0]} not found", url=request.url
            )

    def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        return dict(self.controls[params["RoutingControlArn"]])

    def _update_one(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._update_many(
            {
                "UpdateRoutingControlStateEntries": [
                    {
                        "RoutingControlArn": params["RoutingControlArn"],
                        "RoutingControlState": params["RoutingControlState"],
                    }
                ]
            }
        )

    def _update_many(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params["UpdateRoutingControlStateEntries"]
        for entry in entries:  # all or none
            _ = self.controls[entry["RoutingControlArn"]]
        for entry in entries:
            self.controls[entry["RoutingControlArn"]]["RoutingControlState"] = entry["RoutingControlState"]
        self.updates.append({"entries": entries})
        return {}

    def _list(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"RoutingControls": [dict(c) for c in self.controls.values()]}


def _ok(url: str, payload: dict[str, Any]) -> AWSResponse:
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.0"
    headers["x-amzn-RequestId"] = "evac-arc"
    return AWSResponse(url, 200, headers, _Raw(json.dumps(payload).encode()))


class _Raw(BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def _is_moto(handler: object) -> bool:
    return type(handler).__module__.startswith("moto.")
