"""Fixtures every layer of the suite shares: the bundled plan, the sample events, and a clock tests control."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from evac import clock
from evac.domain.plan import DEFAULT_PLAN, RecoveryPlan, load_plan
from tests.fakes.clock import FrozenClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Lambda sets a function's environment (template.yaml's Globals) before it imports the handler, and Powertools reads
# it at import: set the same here, before any test module imports a handler.
for _name, _value in {
    "POWERTOOLS_SERVICE_NAME": "evac",
    "POWERTOOLS_METRICS_NAMESPACE": "evac",
    "POWERTOOLS_TRACE_DISABLED": "true",
}.items():
    os.environ.setdefault(_name, _value)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
# The moment the sample alarm events in events/ fire.
ALARM_AT = datetime(2026, 11, 27, 10, 7, tzinfo=UTC)


@pytest.fixture
def frozen_clock() -> Iterator[FrozenClock]:
    """``evac.clock`` pinned to a moment the test moves by hand; the system clock is restored after."""
    frozen = FrozenClock(ALARM_AT)
    clock.use(frozen.now)
    yield frozen
    clock.use(None)


@pytest.fixture(scope="session")
def plan() -> RecoveryPlan:
    """The bundled fraud-scoring plan (frozen, so one copy serves every test)."""
    return load_plan(DEFAULT_PLAN)


@pytest.fixture(scope="session")
def many(plan: RecoveryPlan) -> RecoveryPlan:
    """The bundled plan with three endpoints alike (fraud-scoring-xgb, -02, -03): per-endpoint steps touch one."""
    first = plan.inference.endpoints[0]
    endpoints = [first, *(first.model_copy(update={"name": f"{first.name}-{i:02d}"}) for i in (2, 3))]
    return plan.model_copy(update={"inference": plan.inference.model_copy(update={"endpoints": endpoints})})


@pytest.fixture(scope="session")
def read_event() -> Callable[[str], dict[str, Any]]:
    """A sample event from ``events/``, as a fresh dict the test may change."""

    def read(name: str) -> dict[str, Any]:
        return dict(json.loads((EVENTS / name).read_text(encoding="utf-8")))

    return read
