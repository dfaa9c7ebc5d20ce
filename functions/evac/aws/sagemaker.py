"""SageMaker endpoints: their state and their instance count."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.domain.ports import EndpointState
from evac.errors import InferenceScaleError


class SageMakerEndpoints:
    def __init__(self, region: str) -> None:
        self.region = region
        self._sagemaker = client("sagemaker", region)

    def state(self, endpoint: str, variant: str) -> EndpointState | None:
        try:
            found = self._sagemaker.describe_endpoint(EndpointName=endpoint)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ValidationException" and "Could not find" in str(exc):
                return None
            raise
        variants = found.get("ProductionVariants", [])
        match: dict[str, Any] = next((v for v in variants if v["VariantName"] == variant), {})
        return EndpointState(
            name=endpoint,
            status=found["EndpointStatus"],
            instances=int(match.get("CurrentInstanceCount", 0)),
            desired_instances=int(match.get("DesiredInstanceCount", match.get("CurrentInstanceCount", 0))),
        )

    def set_instances(self, endpoint: str, variant: str, instances: int) -> None:
        try:
            self._sagemaker.update_endpoint_weights_and_capacities(
                EndpointName=endpoint,
                DesiredWeightsAndCapacities=[{"VariantName": variant, "DesiredInstanceCount": instances}],
            )
        except ClientError as exc:
            raise InferenceScaleError(f"UpdateEndpointWeightsAndCapacities on {endpoint}: {exc}") from exc
