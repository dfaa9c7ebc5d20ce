"""The preflight step on moto: passes on the seeded target, fails naming what is missing, changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.errors import PreflightFailedError
from evac.handlers import preflight

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud


def test_preflight_passes_on_the_seeded_target(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    result = cloud.invoke(preflight, {"run": planned_run})

    assert [(c["name"], c["ok"]) for c in result["checks"]] == [
        ("rds.target_cluster", True),
        ("sagemaker.endpoint:fraud-scoring-xgb", True),
        ("route53.record", True),
    ]


def test_preflight_fails_naming_an_endpoint_that_was_deleted(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    boto3.client("sagemaker", "us-west-2").delete_endpoint(EndpointName="fraud-scoring-xgb")

    with pytest.raises(
        PreflightFailedError, match=r"sagemaker\.endpoint:fraud-scoring-xgb: fraud-scoring-xgb does not exist"
    ):
        cloud.invoke(preflight, {"run": planned_run})


def test_preflight_changes_nothing(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    before = (cloud.writer_region(), cloud.endpoint()["ProductionVariants"], cloud.dns_weights())

    cloud.invoke(preflight, {"run": planned_run})

    assert (cloud.writer_region(), cloud.endpoint()["ProductionVariants"], cloud.dns_weights()) == before
