"""SageMaker Runtime: the canary request that proves an endpoint serves the model."""

from __future__ import annotations

import time

from botocore.exceptions import BotoCoreError, ClientError

from evac.aws.clients import client
from evac.domain.ports import CanaryResult


class CanaryInvoker:
    def __init__(self, region: str) -> None:
        self._runtime = client("sagemaker-runtime", region)

    def invoke(self, endpoint: str, body: str, content_type: str) -> CanaryResult:
        """One real inference; its latency is measured around the call, as a client would see it."""
        started = time.perf_counter()
        try:
            response = self._runtime.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType=content_type)
            response["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            return CanaryResult(ok=False, latency_ms=(time.perf_counter() - started) * 1000, detail=str(exc))
        return CanaryResult(ok=True, latency_ms=(time.perf_counter() - started) * 1000, detail="")
