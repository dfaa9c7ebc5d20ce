"""An update that meets the endpoint in progress (Application Auto Scaling scaling it to a new minimum) is worth the
runbook's retry (``AwsTransientError``), not a refusal (``InferenceScaleError``)."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from evac.aws.sagemaker import SageMakerEndpoints
from evac.errors import AwsTransientError, InferenceScaleError


@pytest.mark.parametrize(
    ("message", "raised"),
    [
        ("Cannot update in-progress endpoint arn:aws:sagemaker:us-west-2:1:endpoint/x.", AwsTransientError),
        ("Could not find endpoint x.", InferenceScaleError),
    ],
)
def test_an_update_in_progress_is_retried_and_a_refusal_is_not(
    message: str, raised: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoints = SageMakerEndpoints("us-west-2")
    with Stubber(endpoints._sagemaker) as stub:
        stub.add_client_error("update_endpoint_weights_and_capacities", "ValidationException", message)
        with pytest.raises(raised):
            endpoints.set_instances("fraud-scoring-xgb", "AllTraffic", 4)
