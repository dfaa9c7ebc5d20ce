"""SageMaker: endpoints (their state, instance count, configuration and instance type) and the model registry."""

from __future__ import annotations

import os
import re
from typing import Any

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code, is_transient, translate
from evac.domain.ports import Container, EndpointSpec, EndpointState, ModelPackage, VariantSpec
from evac.errors import AwsTransientError, InferenceScaleError, ResourceNotFoundError

# SageMaker's answer to an update while the endpoint is Updating (a scale-out Application Auto Scaling started when a
# higher MinCapacity was registered): the endpoint is busy, not refusing (API_UpdateEndpointWeightsAndCapacities).
_IN_PROGRESS = "Cannot update in-progress endpoint"

# What CreateEndpointConfig accepts of what DescribeEndpointConfig returns, besides the variants.
_CONFIG_FIELDS = (
    "DataCaptureConfig",
    "KmsKeyId",
    "AsyncInferenceConfig",
    "ExplainerConfig",
    "ShadowProductionVariants",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
)


def _missing(exc: ClientError) -> bool:
    """SageMaker says a named resource is missing with a ValidationException, "Could not find ..."."""
    return error_code(exc) == "ValidationException" and "Could not find" in str(exc)


def fallback_config_name(endpoint: str, instance_type: str) -> str:
    """The endpoint configuration a capacity fallback creates: one per (endpoint, type), so a retry reuses it.

    >>> fallback_config_name("fraud-scoring-xgb", "ml.g4dn.2xlarge")
    'fraud-scoring-xgb-g4dn-2xlarge'
    """
    suffix = re.sub(r"[^a-zA-Z0-9]+", "-", instance_type.removeprefix("ml."))
    return f"{endpoint[: 62 - len(suffix)]}-{suffix}"


class SageMakerEndpoints:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self.region = region
        self._sagemaker = client("sagemaker", region, probe=probe)

    def state(self, endpoint: str, variant: str) -> EndpointState | None:
        try:
            found = self._sagemaker.describe_endpoint(EndpointName=endpoint)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        variants = found.get("ProductionVariants", [])
        match: dict[str, Any] = next((v for v in variants if v["VariantName"] == variant), {})
        return EndpointState(
            name=endpoint,
            status=found["EndpointStatus"],
            instances=int(match.get("CurrentInstanceCount", 0)),
            desired_instances=int(match.get("DesiredInstanceCount", match.get("CurrentInstanceCount", 0))),
            failure_reason=found.get("FailureReason") or None,
        )

    def statuses(self, names: list[str]) -> dict[str, str]:
        """Name -> status of those of ``names`` that exist, in as few calls as there are pages (ListEndpoints)."""
        wanted, found = set(names), dict[str, str]()
        shared = os.path.commonprefix(names)  # noqa: RUF071 - NameContains matches characters, not path parts
        pages = self._sagemaker.get_paginator("list_endpoints").paginate(NameContains=shared)
        for page in pages:
            found |= {e["EndpointName"]: e["EndpointStatus"] for e in page["Endpoints"] if e["EndpointName"] in wanted}
        return found

    def set_instances(self, endpoint: str, variant: str, instances: int) -> None:
        try:
            self._sagemaker.update_endpoint_weights_and_capacities(
                EndpointName=endpoint,
                DesiredWeightsAndCapacities=[{"VariantName": variant, "DesiredInstanceCount": instances}],
            )
        except ClientError as exc:
            if is_transient(exc):
                raise translate(exc) from exc  # throttled or a 5xx: AwsTransientError, the runbook retries the step
            if _IN_PROGRESS in str(exc):  # registering a higher MinCapacity began scaling it: worth a retry
                raise AwsTransientError(f"UpdateEndpointWeightsAndCapacities on {endpoint}: {exc}") from exc
            raise InferenceScaleError(f"UpdateEndpointWeightsAndCapacities on {endpoint}: {exc}") from exc

    def spec(self, endpoint: str) -> EndpointSpec:
        """The endpoint, its configuration and each variant's model containers (images and artifacts)."""
        with aws_errors():
            try:
                found = self._sagemaker.describe_endpoint(EndpointName=endpoint)
                config = self._sagemaker.describe_endpoint_config(EndpointConfigName=found["EndpointConfigName"])
            except ClientError as exc:
                if _missing(exc):
                    raise ResourceNotFoundError(f"endpoint {endpoint} does not exist in {self.region}") from exc
                raise
            current = {v["VariantName"]: v for v in found.get("ProductionVariants", [])}
            variants = tuple(
                VariantSpec(
                    name=v["VariantName"],
                    instance_type=v.get("InstanceType"),
                    instances=int(current.get(v["VariantName"], {}).get("CurrentInstanceCount", 0)),
                    # only VariantName is required: a variant hosting inference components has no ModelName
                    # (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html)
                    model=v.get("ModelName"),
                    containers=self._containers(v["ModelName"]) if v.get("ModelName") else (),
                )
                for v in config["ProductionVariants"]
            )
        return EndpointSpec(
            name=endpoint, status=found["EndpointStatus"], config_name=found["EndpointConfigName"], variants=variants
        )

    def use_instance_type(self, endpoint: str, variant: str, instance_type: str, instances: int) -> str:
        """Copy the endpoint's configuration with ``instance_type`` x ``instances`` for ``variant``, then
        UpdateEndpoint to it (a blue/green deployment: the current fleet serves until the new one is InService).

        Idempotent: the copy is named after the type (``fallback_config_name``) and reused if it exists; an endpoint
        already on it is not updated again.
        """
        name = fallback_config_name(endpoint, instance_type)
        try:
            current = self._sagemaker.describe_endpoint(EndpointName=endpoint)
            if current["EndpointConfigName"] == name:
                return name
            config = self._sagemaker.describe_endpoint_config(EndpointConfigName=current["EndpointConfigName"])
            variants = [
                v | {"InstanceType": instance_type, "InitialInstanceCount": instances}
                if v["VariantName"] == variant
                else v
                for v in config["ProductionVariants"]
            ]
            extra = {k: config[k] for k in _CONFIG_FIELDS if config.get(k)}  # absent or empty: not set
            try:
                self._sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants, **extra)
            except ClientError as exc:
                if "already exist" not in str(exc):
                    raise
            self._sagemaker.update_endpoint(EndpointName=endpoint, EndpointConfigName=name)
        except ClientError as exc:
            if is_transient(exc):  # a throttled or 5xx call is worth the runbook's retry, not a refusal
                raise translate(exc) from exc
            raise InferenceScaleError(f"falling back to {instance_type} on {endpoint}: {exc}") from exc
        return name

    def instances_in_use(self, instance_type: str, *, excluding: set[str]) -> int:
        """Instances of ``instance_type`` the region's other endpoints run (their variants' CurrentInstanceCount)."""
        used = 0
        with aws_errors():
            for page in self._sagemaker.get_paginator("list_endpoints").paginate():
                for summary in page["Endpoints"]:
                    if summary["EndpointName"] in excluding:
                        continue
                    found = self._sagemaker.describe_endpoint(EndpointName=summary["EndpointName"])
                    config = self._sagemaker.describe_endpoint_config(EndpointConfigName=found["EndpointConfigName"])
                    types = {v["VariantName"]: v.get("InstanceType") for v in config["ProductionVariants"]}
                    used += sum(
                        int(v.get("CurrentInstanceCount", 0))
                        for v in found.get("ProductionVariants", [])
                        if types.get(v["VariantName"]) == instance_type
                    )
        return used

    def _containers(self, model: str) -> tuple[Container, ...]:
        found = self._sagemaker.describe_model(ModelName=model)
        containers = found.get("Containers") or [found.get("PrimaryContainer", {})]
        return tuple(self._container(c) for c in containers)

    def _container(self, definition: dict[str, Any]) -> Container:
        """A ContainerDefinition's image and artifacts: ``ModelDataUrl``, ``ModelDataSource`` (an S3 object, or a
        prefix of uncompressed files), or the model package it deploys
        (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html)."""
        if package := definition.get("ModelPackageName"):
            try:
                described = self._sagemaker.describe_model_package(ModelPackageName=package)
            except ClientError as exc:
                if is_transient(exc):
                    raise
                return Container(image="", model_data_url=None, unread=f"model package {package} ({error_code(exc)})")
            inner = described.get("InferenceSpecification", {}).get("Containers", [])
            if len(inner) != 1:
                return Container(
                    image="", model_data_url=None, unread=f"model package {package} ({len(inner)} containers)"
                )
            return _package_container(inner[0])
        return _package_container(definition)


def _package_container(definition: dict[str, Any]) -> Container:
    source = definition.get("ModelDataSource", {}).get("S3DataSource", {})
    url, prefix = definition.get("ModelDataUrl"), None
    if source:
        if source.get("S3DataType") == "S3Object":
            url = source["S3Uri"]
        else:
            prefix = source["S3Uri"]
    return Container(
        image=definition.get("Image", ""),
        model_data_url=url,
        data_source=prefix,
        image_digest=definition.get("ImageDigest"),
    )


class ModelPackages:
    """The SageMaker Model Registry of one region."""

    def __init__(self, region: str, *, probe: bool = False) -> None:
        self.region = region
        self._sagemaker = client("sagemaker", region, probe=probe)

    def packages(self, group: str, newest: int = 20) -> list[ModelPackage]:
        """The group's ``newest`` model packages (any approval), newest first, with what each deploys
        (ListModelPackages, then DescribeModelPackage for its InferenceSpecification)."""
        with aws_errors():
            try:
                self._sagemaker.describe_model_package_group(ModelPackageGroupName=group)
            except ClientError as exc:
                if error_code(exc) == "ValidationException" and "does not exist" in str(exc):
                    raise ResourceNotFoundError(f"model package group {group} does not exist in {self.region}") from exc
                raise
            summaries = self._sagemaker.list_model_packages(
                ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending", MaxResults=newest
            )["ModelPackageSummaryList"]
            found = []
            for summary in summaries:
                described = self._sagemaker.describe_model_package(ModelPackageName=summary["ModelPackageArn"])
                containers = described.get("InferenceSpecification", {}).get("Containers", [])
                found.append(
                    ModelPackage(
                        version=int(summary.get("ModelPackageVersion", 0)),
                        approval=str(summary.get("ModelApprovalStatus", "")),
                        created=summary.get("CreationTime"),
                        containers=tuple(_package_container(c) for c in containers),
                    )
                )
        return found
