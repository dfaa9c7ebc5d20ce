"""Service Quotas: how many instances of a type this account may run for SageMaker endpoints in a region."""

from __future__ import annotations

from evac.aws.clients import client
from evac.aws.errors import aws_errors

# SageMaker names its per-type endpoint quotas "<instance type> for endpoint usage".
QUOTA_NAME = "{} for endpoint usage"


class SageMakerQuotas:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._quotas = client("service-quotas", region, probe=probe)

    def endpoint_instances(self, instance_type: str) -> float | None:
        """The applied quota for ``instance_type`` endpoints, else AWS's default; None if neither lists it.

        ListServiceQuotas returns applied values, and only for quotas that have one; the default comes from
        ListAWSDefaultServiceQuotas.
        """
        wanted = QUOTA_NAME.format(instance_type)
        with aws_errors():
            for operation in ("list_service_quotas", "list_aws_default_service_quotas"):
                for page in self._quotas.get_paginator(operation).paginate(ServiceCode="sagemaker"):
                    for quota in page["Quotas"]:
                        if quota.get("QuotaName") == wanted:
                            return float(quota["Value"])
        return None
