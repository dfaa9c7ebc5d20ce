"""Outside-in probes: what a round says, and the plan's probes section."""

from __future__ import annotations

import pytest

from evac.domain.plan import RecoveryPlan, parse_plan
from evac.domain.probes import ProbeResult, round_outcome, timed
from evac.errors import PlanError


def test_a_round_counts_failures_among_the_calls_that_were_answered_or_failed() -> None:
    round_ = round_outcome([ProbeResult("canary", "ok"), ProbeResult("database", "failed", "timed out")])

    assert round_.failure_share == 0.5


def test_refusals_are_unknown_never_failures() -> None:
    round_ = round_outcome([ProbeResult("canary", "ok"), ProbeResult("database", "unknown", "AccessDenied")])

    assert (round_.failure_share, round_.unknown) == (0.0, 1)


def test_a_round_of_refusals_alone_publishes_no_failure_share() -> None:
    assert round_outcome([ProbeResult("canary", "unknown"), ProbeResult("database", "unknown")]).failure_share is None


def test_an_answer_slower_than_its_limit_is_a_failure() -> None:
    assert timed("canary", 501.0, 500.0).outcome == "failed"
    assert timed("canary", 499.0, 500.0).outcome == "ok"


def _with(plan: RecoveryPlan, **changes: object) -> dict:
    document = plan.model_dump(mode="json")
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = document
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[leaf] = value
    return document


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"probes__witness": "us-west-2"}, "probes.witness: 'us-west-2' is one of the plan's regions"),
        ({"probes__evaluation_periods": 1, "probes__datapoints_to_alarm": 2}, "datapoints_to_alarm cannot exceed"),
        ({"probes__period_seconds": 90}, "period_seconds must be whole minutes"),
        ({"probes__health_urls": {"eu-west-1": "https://x"}}, "probes.health_urls: names region(s) ['eu-west-1']"),
        ({"alarms__0__region": "us-east-1"}, "alarms.0.region: a probe alarm watching us-east-1 lives where"),
        ({"alarms__0__name": "probe-a"}, "alarms.0.name: the probe alarm the stack in us-west-2 creates is"),
    ],
    ids=["witness-in-plan", "datapoints", "period", "health-url-region", "probe-alarm-region", "probe-alarm-name"],
)
def test_a_bad_probes_section_names_the_field(plan: RecoveryPlan, changes: dict, message: str) -> None:
    with pytest.raises(PlanError) as raised:
        parse_plan(_with(plan, **changes))

    assert message in str(raised.value)


def test_the_bundled_plan_watches_its_primary_from_two_vantage_points_outside_it(plan: RecoveryPlan) -> None:
    outside = [a for a in plan.watching(plan.regions.primary) if a.kind == "probe"]

    assert sorted(a.region for a in outside) == ["us-east-2", "us-west-2"]
    assert plan.trigger.quorum == len(outside)
    assert plan.probed_by("us-east-2") == plan.probed_by("us-west-2") == "us-east-1"
