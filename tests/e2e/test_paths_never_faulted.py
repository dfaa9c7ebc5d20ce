"""Faults on the paths the matrix's base scenarios never reach: the capacity fallback (a throttled UpdateEndpoint is
worth the runbook's retry, not a refusal that leaves the writer promoted and DNS behind)."""

from __future__ import annotations

import pytest

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos import Case, Site, run_case

pytestmark = pytest.mark.e2e

PLAN = load_plan(DEFAULT_PLAN)
TARGET = PLAN.regions.secondary


@pytest.mark.parametrize("kind", ["throttling", "5xx"])
def test_a_transient_fault_on_the_capacity_fallbacks_update_is_retried_and_the_run_succeeds(kind: str) -> None:
    site = Site("capacity-fallback", "CheckEndpointFunction", "sagemaker", "UpdateEndpoint", TARGET, None, 1, None,
                TARGET)  # fmt: skip

    result = run_case(Case(site, kind, "first"), plan=PLAN)  # type: ignore[arg-type]

    assert result.injected == 1
    assert (result.status, result.outcome, result.violations) == ("SUCCEEDED", "clean", [])
    assert result.writer_regions == [TARGET]
    assert result.dns_region == TARGET
