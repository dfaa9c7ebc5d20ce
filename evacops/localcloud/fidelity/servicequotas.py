"""Service Quotas for SageMaker's per-type endpoint quotas (moto 5.2.5: VPC defaults only, no ListServiceQuotas)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.servicequotas.responses import ServiceQuotasResponse

from evac.aws.servicequotas import QUOTA_NAME

if TYPE_CHECKING:
    from contextlib import ExitStack


def quota_code(name: str) -> str:
    """A stable local quota code (``L-`` and 8 hex digits, as AWS's look); AWS's own codes are not modelled."""
    return "L-" + hashlib.sha256(name.encode()).hexdigest()[:8].upper()


@dataclass
class SageMakerQuotas:
    """Service Quotas for SageMaker's per-type endpoint quotas, named "<instance type> for endpoint usage".

    ``ListServiceQuotas`` returns the applied values (``applied[(region, instance_type)]``) and only those: "If the
    applied quota value is not available for a quota, the quota is not retrieved" (API_ListServiceQuotas).
    ``ListAWSDefaultServiceQuotas`` returns the defaults (``defaults[instance_type]``), and ``GetServiceQuota`` the
    applied value, else the default, by quota code. Other services keep moto's answers.
    """

    applied: dict[tuple[str, str], float] = field(default_factory=dict)
    defaults: dict[str, float] = field(default_factory=dict)

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_defaults = ServiceQuotasResponse.list_aws_default_service_quotas
        original_get = ServiceQuotasResponse.get_service_quota

        def list_applied(response: ServiceQuotasResponse) -> str:
            params = json.loads(response.body)
            if params.get("ServiceCode") != "sagemaker":
                return json.dumps({"Quotas": []})
            found = [
                extension.quota(response.region, t, v)
                for (region, t), v in extension.applied.items()
                if region == response.region
            ]
            return json.dumps({"Quotas": found})

        def list_defaults(response: ServiceQuotasResponse) -> str:
            if json.loads(response.body).get("ServiceCode") != "sagemaker":
                return str(original_defaults(response))
            return json.dumps(
                {"Quotas": [extension.quota(response.region, t, v) for t, v in extension.defaults.items()]}
            )

        def get(response: ServiceQuotasResponse) -> str:
            params = json.loads(response.body)
            if params.get("ServiceCode") != "sagemaker":
                return str(original_get(response))
            for instance_type in {t for _, t in extension.applied} | set(extension.defaults):
                if quota_code(QUOTA_NAME.format(instance_type)) == params.get("QuotaCode"):
                    value = extension.applied.get(
                        (response.region, instance_type), extension.defaults.get(instance_type)
                    )
                    if value is not None:
                        return json.dumps({"Quota": extension.quota(response.region, instance_type, value)})
            return str(original_get(response))  # moto's NoSuchResourceException

        stack.enter_context(patch.object(ServiceQuotasResponse, "list_service_quotas", list_applied, create=True))
        stack.enter_context(patch.object(ServiceQuotasResponse, "list_aws_default_service_quotas", list_defaults))
        stack.enter_context(patch.object(ServiceQuotasResponse, "get_service_quota", get))

    @staticmethod
    def quota(region: str, instance_type: str, value: float) -> dict[str, Any]:
        name = QUOTA_NAME.format(instance_type)
        return {
            "ServiceCode": "sagemaker",
            "ServiceName": "Amazon SageMaker",
            "QuotaArn": f"arn:aws:servicequotas:{region}::sagemaker/{quota_code(name)}",
            "QuotaCode": quota_code(name),
            "QuotaName": name,
            "Value": float(value),
            "Unit": "None",
            "Adjustable": True,
            "GlobalQuota": False,
        }
