"""The fault matrix on the second application (rag-assistant): its resources stage's call sites are recorded from a
clean run and faulted like the runbook's others, every invariant checked (the whole selection: ``evac chaos --only
RecoverResourcesFunction --plan functions/evac/plans/rag-assistant.yaml``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evac.domain.plan import load_plan
from evacops.chaos.matrix import run_case, select
from evacops.chaos.sites import Case, Site, cases, record_sites

pytestmark = pytest.mark.e2e

RAG = load_plan(Path(__file__).resolve().parents[2] / "functions" / "evac" / "plans" / "rag-assistant.yaml")


@pytest.fixture(scope="module")
def rag_sites() -> list[Site]:
    """The rag plan's runbook sites, recorded from a clean run of each runbook scenario."""
    return record_sites(["primary-outage", "planned-switchover"], plan=RAG)


def test_a_fault_in_the_rag_plans_resources_stage_is_retried_and_breaks_no_invariant(rag_sites: list[Site]) -> None:
    # GIVEN the resources stage's sites, recorded from a clean primary-outage of the rag plan
    sites = {s.name: s for s in rag_sites if s.scenario == "primary-outage"}
    update = sites["RecoverResourcesFunction -> ecs:UpdateService"]  # the ECS service's desired count raised
    check = sites["RecoverResourcesFunction -> ecs:DescribeServices"]  # its running tasks, polled
    assert check.poll_ordinal is not None  # a later check is a poll of its own

    # WHEN the service's update is throttled at its first call, and a later check meets a 5xx
    played = [run_case(Case(update, "throttling", "first"), plan=RAG), run_case(Case(check, "5xx", "poll"), plan=RAG)]

    # THEN each fault met its call, the ASL retried it, and the run ended SUCCEEDED with every invariant kept
    assert [(r.injected > 0, r.status, r.outcome, r.violations) for r in played] == [
        (True, "SUCCEEDED", "clean", [])
    ] * 2


def test_only_selects_the_resources_stages_cases_of_both_scenarios(rag_sites: list[Site]) -> None:
    # GIVEN the rag plan's sites of both runbook scenarios
    all_cases = cases(rag_sites)

    chosen = select(all_cases, ["RecoverResourcesFunction"])

    # THEN the function's own calls and the runbook's Invoke of it, in each scenario, at first call and at a poll
    assert {c.site.caller for c in chosen} == {"RecoverResourcesFunction", "FailoverRunbook"}
    assert {c.site.scenario for c in chosen} == {"primary-outage", "planned-switchover"}
    assert {c.point for c in chosen} == {"first", "poll"}
    assert all("RecoverResourcesFunction" in c.id for c in chosen)
    with pytest.raises(ValueError, match="no case's id contains 'NoSuchFunction'"):
        select(all_cases, ["NoSuchFunction"])
