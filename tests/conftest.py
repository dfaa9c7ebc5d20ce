"""Fixtures every layer of the suite shares: the bundled plan, the sample events, and a clock tests control."""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from evac import clock
from evac.domain.plan import DEFAULT_PLAN, RecoveryPlan, load_plan
from evacops.localcloud.reuse import share_service_models
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


# `make test` spreads the test files over the cores one file at a time, in the order collected (pytest-xdist's
# --dist loadfile --no-loadscope-reorder): the folders whose tests play whole drills first, the quick ones last, so
# that at the end no core is left alone with a file of long drills while the other has nothing to do.
_LONGEST_FIRST = ("e2e", "drill", "bench", "localcloud", "functional")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def folder(item: pytest.Item) -> int:
        parts = item.path.relative_to(ROOT / "tests").parts
        return _LONGEST_FIRST.index(parts[0]) if parts[0] in _LONGEST_FIRST else len(_LONGEST_FIRST)

    items.sort(key=folder)  # stable: in a folder, the order collected


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A pytest-xdist worker ends here, its results sent (at session finish) and pytest's own clean-up done: tearing
    its interpreter down object by object (moto's backends, botocore's models: half a million objects) took 2 to 4 s
    that the whole run waited for, and would free nothing the operating system does not free at exit."""
    if hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@pytest.fixture(scope="session", autouse=True)
def _service_models_parsed_once() -> Iterator[None]:
    """Every botocore session the tests make shares one loader of botocore's service models, as a local cloud's
    sessions do: moto gives each test's mock a new default session, and each parsed the models it used again (four
    tenths of the CPU of the fidelity tests)."""
    with ExitStack() as stack:
        share_service_models(stack)
        yield


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
