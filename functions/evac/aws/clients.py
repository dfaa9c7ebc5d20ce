"""boto3 clients, created once per Lambda container and region, with bounded timeouts and botocore's own retries.

A region that does not answer costs at most ``connect_timeout + read_timeout`` per attempt (principle 1); the
runbook's ASL ``Retry`` handles what outlasts botocore's standard retry mode.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from collections.abc import Callable

# Worst case of one call: 3 attempts x (2 s connect + 5 s read) + botocore's backoff (at most 1 s, then 2 s) = 24 s,
# inside the functions' 30 s Timeout (tests/test_client_budget.py holds the two together). Control-plane calls answer
# in well under a second; a 10 s read timeout made one unanswered call outlive its Lambda (found by `evac chaos`).
# ``total_max_attempts`` counts the first try; botocore's ``max_attempts`` would count retries only, one more try.
STEADY = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})
# For asking a region that may be the one that failed: one quick try, no retry storm.
PROBE = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 1})


# One session per container: its loader parses each service's model once, however many regions use it.
_session = boto3.session.Session()


def client(service: str, region: str, *, probe: bool = False, endpoint_url: str | None = None) -> Any:
    """A client for ``service`` in ``region`` (use ``clear`` after changing credentials or endpoints).

    One per service, region, kind and endpoint, however it is asked for (``probe=False`` or not at all): a client
    costs milliseconds of a cold start to build. ``endpoint_url``: for services reached at endpoints of their own
    (an ARC cluster's regional endpoints).
    """
    return _client(service, region, probe, endpoint_url)


@cache
def _client(service: str, region: str, probe: bool, endpoint_url: str | None = None) -> Any:
    config = PROBE if probe else STEADY
    return _session.client(service, region_name=region, config=config, endpoint_url=endpoint_url)  # type: ignore[call-overload]


def bounded(service: str, region: str, timeout_seconds: float) -> Any:
    """A client whose every call gives up after ``timeout_seconds`` to connect and as long to read, in one attempt:
    an outside-in probe (``evac.handlers.probe``) measures whether the region answers in time, and a retry would
    only hide the answer it is there to give."""
    return _bounded(service, region, float(timeout_seconds))


@cache
def _bounded(service: str, region: str, timeout_seconds: float) -> Any:
    config = Config(
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    return _session.client(service, region_name=region, config=config)  # type: ignore[call-overload]


# What other modules keep of the clients (the kill switch's provider), forgotten with them
_forget: list[Callable[[], None]] = []


def on_clear(forget: Callable[[], None]) -> None:
    """Call ``forget`` whenever the clients are cleared: for a module that keeps something made from a client."""
    _forget.append(forget)


def clear() -> None:
    """Forget cached clients and credentials (the local cloud calls this when it starts and stops)."""
    global _session  # noqa: PLW0603 - the per-container session, renewed only here
    _client.cache_clear()
    _bounded.cache_clear()
    for forget in _forget:
        forget()
    _session = boto3.session.Session()
