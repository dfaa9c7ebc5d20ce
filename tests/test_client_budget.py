"""A call that gets no answer must fail inside its Lambda's Timeout, so the runbook's Retry sees a named error rather
than a killed function (``Lambda.Unknown``), and a probe of a region that may be down is one bounded try."""

from __future__ import annotations

import pytest

from evac.aws.clients import PROBE, STEADY
from evacops.template import functions, load_template

FUNCTIONS = functions(load_template())
# botocore's standard mode: before retry n (from 1), a random wait of up to 2**(n-1) seconds.
MAX_BACKOFF = {1: 1, 2: 2, 3: 4, 4: 8}


def attempts(config: object) -> int:
    return int(config.retries["total_max_attempts"])  # type: ignore[attr-defined]


def worst_case_seconds(config: object) -> float:
    """Every attempt waits out both timeouts, and every retry its longest backoff."""
    tries = attempts(config)
    per_try = config.connect_timeout + config.read_timeout  # type: ignore[attr-defined]
    return tries * per_try + sum(MAX_BACKOFF[n] for n in range(1, tries))


def test_a_probe_tries_once() -> None:
    assert attempts(PROBE) == 1
    assert worst_case_seconds(PROBE) <= 5


@pytest.mark.parametrize("logical", sorted(FUNCTIONS))
def test_one_unanswered_call_fails_well_inside_the_function_timeout(logical: str) -> None:
    timeout = float(FUNCTIONS[logical].get("Timeout", 3))

    assert worst_case_seconds(STEADY) <= 0.8 * timeout
