"""The age of the model state in the target: each item's lag (package, artifact, image, feature tables), the total,
and ml.state_lag against the plan's budget; what cannot be read is unknown, never 0."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from evac.domain.plan import parse_plan
from evac.domain.ports import Container, ModelPackage, StoredObject
from evac.domain.readiness import assess
from evac.errors import PlanError
from tests.fakes.readiness import ARTIFACT_KEY, IMAGE, TABLE_LATENCY_SECONDS

if TYPE_CHECKING:
    from evac.domain.models import Readiness, ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.clock import FrozenClock
    from tests.fakes.dns import FakeRecordSets
    from tests.fakes.readiness import FakeRegion

GROUP = "fraud-scoring-xgb"
MODELS_USE1 = "fraud-scoring-models-use1"
NEW_DIGEST = "sha256:" + "cd" * 32


def assessed(plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, records: FakeRecordSets) -> Readiness:
    return assess(plan, source=primary.reads_as(), target=secondary.reads_as(), records=records)


def lag_check(report: Readiness) -> ReadinessCheck:
    return next(c for c in report.checks if c.name == "ml.state_lag")


def lags(report: Readiness) -> dict[str, float | None]:
    return {i.item: i.seconds for i in report.ml_state}


def release_in_primary(primary: FakeRegion, clock: FrozenClock, hours_ago: float) -> None:
    """The primary registers and approves a newer model (new artifact object, new image) ``hours_ago``."""
    created = clock.now() - timedelta(hours=hours_ago)
    image = IMAGE.format(region="us-east-1").replace(":1.7-1", ":1.8-0")
    url = f"s3://{MODELS_USE1}/v3/{ARTIFACT_KEY}"
    primary.images[image] = NEW_DIGEST
    primary.objects[(MODELS_USE1, f"v3/{ARTIFACT_KEY}")] = StoredObject(
        "etag-v3", version_id="v3", replication_status="PENDING", encryption="aws:kms", last_modified=created
    )
    package = ModelPackage(3, "Approved", created, (Container(image, url, image_digest=NEW_DIGEST),))
    primary.packages_by_group[GROUP].append(package)


@pytest.fixture
def clock(frozen_clock: FrozenClock) -> FrozenClock:
    return frozen_clock


def test_a_seeded_target_holds_the_sources_newest_model_state(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    report = assessed(plan, primary, secondary, record_sets)

    assert lags(report) == {
        "model_package": 0.0,
        "model_artifact": 0.0,
        "model_image": 0.0,
        "feature_table": TABLE_LATENCY_SECONDS,
    }
    assert report.ml_state_lag_seconds == TABLE_LATENCY_SECONDS
    assert report.ml_state_budget_seconds == 3600
    assert lag_check(report).status == "pass"


def test_a_release_the_target_lacks_lags_from_its_creation_and_is_a_warning(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    release_in_primary(primary, clock, hours_ago=2)

    report = assessed(plan, primary, secondary, record_sets)

    assert lags(report) == {
        "model_package": 7200.0,
        "model_artifact": 7200.0,
        "model_image": 7200.0,
        "feature_table": TABLE_LATENCY_SECONDS,
    }
    assert report.ml_state_lag_seconds == 7200.0
    check = lag_check(report)
    assert (check.status, check.severity) == ("fail", "warning")
    assert "past the 3600 s budget: model_package fraud-scoring-xgb 7200 s" in check.evidence
    assert report.ready is True  # a model version behind still serves


def test_a_release_within_the_budget_passes_with_its_lag(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    release_in_primary(primary, clock, hours_ago=0.25)

    report = assessed(plan, primary, secondary, record_sets)

    assert report.ml_state_lag_seconds == 900.0
    assert lag_check(report).status == "pass"


def test_a_plan_may_make_the_lag_critical(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    strict = plan.model_copy(update={"readiness": plan.readiness.model_copy(update={"ml_state_severity": "critical"})})
    release_in_primary(primary, clock, hours_ago=2)

    report = assessed(strict, primary, secondary, record_sets)

    assert (lag_check(report).status, lag_check(report).severity) == ("fail", "critical")
    assert report.ready is False


def test_a_lagging_feature_table_is_reported_in_seconds(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    primary.table_latencies["fraud-scoring-features"] = 5400.0

    report = assessed(plan, primary, secondary, record_sets)

    assert lags(report)["feature_table"] == 5400.0
    assert lag_check(report).status == "fail"


def test_an_unreadable_source_makes_the_lag_unknown_not_zero(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    primary.down = True

    report = assessed(plan, primary, secondary, record_sets)

    assert report.ml_state_lag_seconds is None
    assert lags(report)["model_package"] is None
    assert lag_check(report).status == "unknown"


def test_a_feature_table_without_latency_data_is_unknown(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    primary.table_latencies.clear()

    report = assessed(plan, primary, secondary, record_sets)

    assert report.ml_state_lag_seconds is None
    assert "no ReplicationLatency from us-east-1 to us-west-2" in lag_check(report).evidence


def test_matching_version_numbers_are_not_the_same_model(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, clock: FrozenClock
) -> None:
    # the target's version 3 is another model: the primary's newest is still missing
    release_in_primary(primary, clock, hours_ago=2)
    other = dataclasses.replace(secondary.packages_by_group[GROUP][0], version=3, created=clock.now())
    secondary.packages_by_group[GROUP] = [*secondary.packages_by_group[GROUP], other]

    report = assessed(plan, primary, secondary, record_sets)

    assert lags(report)["model_package"] == 7200.0


@pytest.mark.parametrize("budget", [0, -60, 31 * 86400, "soon"])
def test_a_bad_budget_is_a_plan_error_naming_the_field(plan: RecoveryPlan, budget: object) -> None:
    document = plan.model_dump(mode="json", exclude_none=True)
    document["readiness"]["ml_state_budget_seconds"] = budget

    with pytest.raises(PlanError, match=r"readiness\.ml_state_budget_seconds"):
        parse_plan(document)
