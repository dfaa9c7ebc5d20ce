"""SageMaker Runtime: the canary request that proves an endpoint serves the model."""

from __future__ import annotations

from botocore.exceptions import ClientError

from evac import clock
from evac.aws.clients import client
from evac.aws.errors import is_transient
from evac.domain.ports import CanaryResult


class CanaryInvoker:
    def __init__(self, region: str) -> None:
        self._runtime = client("sagemaker-runtime", region)

    def invoke(self, endpoint: str, body: str, content_type: str) -> CanaryResult:
        """One real inference; its latency is measured around the call, as a client would see it.

        The endpoint's own refusal (not serving, a model error) is a failed canary. Throttling, a 5xx, a timeout or
        a denied permission say nothing about the endpoint: they propagate, to be retried or to name the call.
        """
        started = clock.stopwatch()
        try:
            response = self._runtime.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType=content_type)
            response["Body"].read()
        except ClientError as exc:
            if is_transient(exc) or str(exc.response.get("Error", {}).get("Code", "")).startswith("AccessDenied"):
                raise
            return CanaryResult(ok=False, latency_ms=(clock.stopwatch() - started) * 1000, detail=str(exc))
        return CanaryResult(ok=True, latency_ms=(clock.stopwatch() - started) * 1000, detail="")
