"""The fault matrix's representative subset (``evac chaos --subset``; the whole matrix is ``make chaos``): one of each
fault kind, on Lambda steps, a poll and the state machine's own integrations, the confirmation watch, a step whose
answer is lost after it ran, and a critical read of the readiness report, every invariant checked."""

from __future__ import annotations

import pytest

from evacops.chaos import SUBSET, run_matrix

pytestmark = pytest.mark.e2e


def test_the_subset_of_the_fault_matrix_breaks_no_invariant() -> None:
    matrix = run_matrix(only_subset=True, with_controls=False)  # controls: their own test

    assert len(matrix.results) == len(SUBSET)
    assert {r.kind for r in matrix.results} == {"throttling", "5xx", "timeout", "access-denied"}
    assert {r.group for r in matrix.results} == {"runbook", "trigger", "after-effect", "readiness"}
    assert all(r.injected for r in matrix.results)
    assert [(r.id, r.violations) for r in matrix.results if r.violations] == []
    assert {r.outcome for r in matrix.results} <= {"clean", "escalated"}
    [readiness] = [r for r in matrix.results if r.group == "readiness"]
    assert (readiness.expected, readiness.status) == ("not ready", "SUCCEEDED")  # answered, and failed closed
