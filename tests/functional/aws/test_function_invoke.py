"""evac.aws.awslambda.Functions: a custom resource's function that does not answer within the plan's timeout is
``FunctionTimeoutError`` naming it (never retried: a retry would run it again), and its error payload is read as
``FunctionError: errorType: errorMessage``."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from evac.aws import awslambda
from evac.aws.awslambda import Functions
from evac.errors import FunctionTimeoutError


class Unanswered:
    def invoke(self, **_: Any) -> dict[str, Any]:
        raise ReadTimeoutError(endpoint_url="https://lambda.us-west-2.amazonaws.com")


class Failing:
    def invoke(self, **_: Any) -> dict[str, Any]:
        body = {"errorType": "RuntimeError", "errorMessage": "the vector cache could not be loaded"}
        return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(body).encode())}


def test_a_function_that_does_not_answer_in_time_is_a_timeout_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[float] = []
    monkeypatch.setattr(awslambda, "bounded", lambda _service, _region, timeout: asked.append(timeout) or Unanswered())

    with pytest.raises(FunctionTimeoutError, match="rag-assistant-warm-cache did not answer within 120 s"):
        Functions("us-west-2").invoke("rag-assistant-warm-cache", {"evac": {}}, 120)
    assert asked == [120]  # the client's read timeout is the plan's


def test_a_function_error_is_read_from_its_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(awslambda, "bounded", lambda *_: Failing())

    answer = Functions("us-west-2").invoke("rag-assistant-warm-cache", {"evac": {}}, 120)

    assert answer.error == "Unhandled: RuntimeError: the vector cache could not be loaded"
