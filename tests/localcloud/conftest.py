"""Fixtures for testing the local cloud's extensions one at a time, on plain moto, through boto3.

Each test installs only the extension it is about (``stack``), on a clock it controls (``clock``), inside
``mock_aws`` with fake credentials (``aws``). The extensions are removed again before moto stops.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest
from moto import mock_aws

from evacops.localcloud.clock import Timeline
from tests.fakes.clock import SteppedClock

if TYPE_CHECKING:
    from collections.abc import Iterator

ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto for every service, Step Functions executing real ASL, fake credentials in the environment."""
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.fixture
def stack(aws: None) -> Iterator[ExitStack]:
    """Where a test installs the one extension it exercises; uninstalled before moto stops."""
    with ExitStack() as installed:
        yield installed


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def timeline(clock: SteppedClock) -> Timeline:
    return Timeline(clock)
