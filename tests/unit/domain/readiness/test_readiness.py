"""Readiness on in-memory fakes: what each check reads, when it passes, fails or cannot tell, and what blocks."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import TYPE_CHECKING

import pytest

from evac.domain.plan import parse_plan
from evac.domain.ports import BucketEncryption, Container, ModelPackage, ReplicationRule, TableReplicas, VariantSpec
from evac.domain.readiness import RegionReads, assess
from evac.errors import RegionUnavailableError
from tests.fakes.readiness import ARTIFACT_VERSION

if TYPE_CHECKING:
    from evac.domain.models import Readiness, ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import EndpointSpec
    from tests.fakes.dns import FakeRecordSets
    from tests.fakes.readiness import FakeRegion

pytestmark = pytest.mark.usefixtures("frozen_clock")

ENDPOINT = "fraud-scoring-xgb"
MODELS_USW2 = "fraud-scoring-models-usw2"


def assessed(plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, records: FakeRecordSets) -> Readiness:
    return assess(plan, source=primary.reads_as(), target=secondary.reads_as(), records=records)


def named(report: Readiness, name: str, resource: str | None = None) -> ReadinessCheck:
    found = [c for c in report.checks if c.name == name and (resource is None or c.resource == resource)]
    assert len(found) == 1, [c.summary() for c in report.checks]
    return found[0]


def with_container(secondary: FakeRegion, **changes: str) -> None:
    """Change the model container the secondary's endpoint serves."""
    spec = secondary.specs[ENDPOINT]
    variant = spec.variants[0]
    container = dataclasses.replace(variant.containers[0], **changes)
    secondary.specs[ENDPOINT] = dataclasses.replace(
        spec, variants=(dataclasses.replace(variant, containers=(container,)),)
    )


def test_a_seeded_secondary_is_ready_with_every_check_passing(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    report = assessed(plan, primary, secondary, record_sets)

    assert report.ready
    assert [c.summary() for c in report.checks if c.status != "pass"] == []
    assert (report.source_region, report.target_region) == ("us-east-1", "us-west-2")
    assert len(report.checks) >= 8
    assert len({c.name.split(".")[0] for c in report.checks}) >= 5
    assert all(c.evidence and c.remediation == "" for c in report.checks)


def test_a_model_artifact_missing_in_the_target_is_a_critical_failure_naming_it(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.objects.clear()

    report = assessed(plan, primary, secondary, record_sets)

    check = named(report, "s3.model_artifact")
    assert (check.status, check.severity) == ("fail", "critical")
    assert f"s3://{MODELS_USW2}/fraud-scoring-xgb/model.tar.gz does not exist in us-west-2" in check.evidence
    assert check.remediation
    assert not report.ready
    assert report.blocking == [check]


def test_a_model_artifact_that_differs_from_the_primarys_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    key = (MODELS_USW2, "fraud-scoring-xgb/model.tar.gz")
    secondary.objects[key] = dataclasses.replace(secondary.objects[key], version_id="model-v0")

    check = named(assessed(plan, primary, secondary, record_sets), "s3.model_artifact")

    assert check.status == "fail"
    assert "model-v0" in check.evidence
    assert ARTIFACT_VERSION in check.evidence


def test_an_image_missing_in_the_target_registry_is_a_critical_failure(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.images.clear()

    check = named(assessed(plan, primary, secondary, record_sets), "ecr.image_present")

    assert (check.status, check.severity) == ("fail", "critical")
    assert "does not exist in us-west-2" in check.evidence


def test_an_image_whose_digest_differs_from_the_primarys_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    image = next(iter(secondary.images))
    secondary.images[image] = "sha256:" + "cd" * 32

    check = named(assessed(plan, primary, secondary, record_sets), "ecr.image_present")

    assert check.status == "fail"
    assert "the primary serves sha256:abab" in check.evidence


def test_a_target_model_pulling_its_image_from_the_primarys_registry_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    with_container(secondary, image="123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-scoring-xgb:1.7-1")

    check = named(assessed(plan, primary, secondary, record_sets), "ecr.image_present")

    assert check.status == "fail"
    assert "pulled from us-east-1's registry" in check.evidence


def test_config_parity_fails_on_another_model_artifact(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    with_container(secondary, model_data_url=f"s3://{MODELS_USW2}/fraud-scoring-xgb/model-v0.tar.gz")

    check = named(assessed(plan, primary, secondary, record_sets), "sagemaker.config_parity")

    assert (check.status, check.severity) == ("fail", "critical")
    assert "model-v0.tar.gz" in check.evidence


@pytest.mark.parametrize(("instance_type", "status"), [("ml.g4dn.2xlarge", "pass"), ("ml.m5.large", "fail")])
def test_config_parity_accepts_a_planned_fallback_instance_type_and_nothing_else(
    plan: RecoveryPlan,
    primary: FakeRegion,
    secondary: FakeRegion,
    record_sets: FakeRecordSets,
    instance_type: str,
    status: str,
) -> None:
    spec = secondary.specs[ENDPOINT]
    variant = dataclasses.replace(spec.variants[0], instance_type=instance_type)
    secondary.specs[ENDPOINT] = dataclasses.replace(spec, variants=(variant,))

    assert named(assessed(plan, primary, secondary, record_sets), "sagemaker.config_parity").status == status


def test_an_endpoint_missing_in_the_target_fails_once_and_skips_the_checks_that_need_it(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.specs.clear()

    report = assessed(plan, primary, secondary, record_sets)

    check = named(report, "sagemaker.endpoint_in_service")
    assert (check.status, check.evidence) == ("fail", f"endpoint {ENDPOINT} does not exist in us-west-2")
    assert not [c for c in report.checks if c.name in ("sagemaker.config_parity", "s3.model_artifact")]


@pytest.mark.parametrize(
    ("forget", "name", "evidence"),
    [
        ("bucket_versioning", "s3.versioning", "bucket fraud-scoring-models-usw2 does not exist"),
        ("tables", "dynamodb.replica", "table fraud-scoring-features does not exist in us-west-2"),
        ("repositories", "ecr.replication", "repository fraud-scoring-xgb does not exist in us-west-2"),
        (
            "packages_by_group",
            "sagemaker.model_packages",
            "model package group fraud-scoring-xgb does not exist in us-west-2",
        ),
    ],
)
def test_a_resource_the_plan_names_that_does_not_exist_is_a_failed_check_naming_it(
    plan: RecoveryPlan,
    primary: FakeRegion,
    secondary: FakeRegion,
    record_sets: FakeRecordSets,
    forget: str,
    name: str,
    evidence: str,
) -> None:
    getattr(secondary, forget).clear()

    report = assessed(plan, primary, secondary, record_sets)

    failed = [c for c in report.checks if c.name == name and c.status == "fail"]
    assert failed, [c.summary() for c in report.checks]
    assert evidence in failed[0].evidence


def test_an_unreadable_lag_metric_is_unknown_not_pass(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.lag = None

    check = named(assessed(plan, primary, secondary, record_sets), "rds.replication_lag")

    assert check.status == "unknown"
    assert "AuroraGlobalDBRPOLag" in check.evidence


def test_lag_over_the_rpo_budget_fails_as_a_warning_and_does_not_make_the_target_unready(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.lag = dataclasses.replace(secondary.lag, seconds=95.0)  # type: ignore[type-var]

    report = assessed(plan, primary, secondary, record_sets)

    check = named(report, "rds.replication_lag")
    assert (check.status, check.severity) == ("fail", "warning")
    assert check.evidence == "AuroraGlobalDBRPOLag 95 s, budget 60 s"
    assert report.ready


def test_an_instance_quota_below_the_plans_capacity_is_critical(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.quotas["ml.g4dn.xlarge"] = 2

    check = named(assessed(plan, primary, secondary, record_sets), "servicequotas.instance_quota")

    assert (check.status, check.severity) == ("fail", "critical")
    assert check.evidence == "ml.g4dn.xlarge endpoint quota is 2, other endpoints use 0: 2 free, the plan needs 4"


@pytest.mark.parametrize("how", ["missing", "denied"])
def test_an_instance_quota_that_cannot_be_read_is_an_unknown_warning(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets, how: str
) -> None:
    if how == "missing":
        secondary.quotas.clear()
    else:
        secondary.denied.add("endpoint_instances")

    report = assessed(plan, primary, secondary, record_sets)

    check = named(report, "servicequotas.instance_quota")
    assert (check.status, check.severity) == ("unknown", "warning")
    assert report.ready


def test_access_denied_on_a_critical_read_is_unknown_and_the_target_not_proven_ready(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.denied.add("replicas")

    report = assessed(plan, primary, secondary, record_sets)

    check = named(report, "dynamodb.replica")
    assert check.status == "unknown"
    assert "AccessDenied" in check.evidence
    assert not report.ready
    assert report.blocking == []  # unknown is recorded, never blocking


def test_a_primary_that_does_not_answer_costs_one_read_and_leaves_cross_region_checks_unknown(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    primary.down = True

    report = assessed(plan, primary, secondary, record_sets)

    assert primary.reads == 1
    assert named(report, "sagemaker.config_parity").status == "unknown"
    assert named(report, "ecr.replication").status == "unknown"
    assert {c.status for c in report.checks if c.name == "s3.replication"} == {"unknown"}
    assert named(report, "sagemaker.endpoint_in_service").status == "pass"
    assert named(report, "dynamodb.replica").status == "pass"
    assert report.blocking == []


def test_each_endpoint_is_described_once_per_region_however_many_checks_look_at_it(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    # The endpoint checks and the artifact buckets' both need the target's endpoint: with fifty endpoints, reading
    # them again per family costs the preflight its timeout.
    described: list[str] = []
    spec = secondary.spec
    secondary.spec = lambda name: (described.append(name), spec(name))[1]  # type: ignore[method-assign]

    report = assessed(plan, primary, secondary, record_sets)

    assert {c.status for c in report.checks if c.name == "s3.replication"} == {"pass"}  # they read the endpoint too
    assert described == [ENDPOINT]


def test_a_feature_table_that_is_not_a_replica_of_the_primary_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.tables["fraud-scoring-features"] = TableReplicas("ACTIVE", {})

    check = named(assessed(plan, primary, secondary, record_sets), "dynamodb.replica")

    assert (check.status, check.severity) == ("fail", "critical")
    assert "not a replica of us-east-1" in check.evidence


def test_a_replica_still_being_created_is_not_ready(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.tables["fraud-scoring-features"] = TableReplicas("CREATING", {"us-east-1": "ACTIVE"})

    assert named(assessed(plan, primary, secondary, record_sets), "dynamodb.replica").status == "fail"


def test_a_disabled_replication_rule_fails_and_its_latency_is_unknown(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    bucket = "fraud-scoring-models-use1"
    primary.rules[bucket] = [dataclasses.replace(primary.rules[bucket][0], enabled=False)]

    report = assessed(plan, primary, secondary, record_sets)

    replication = named(report, "s3.replication", bucket)
    assert replication.evidence == f"{bucket} has a disabled rule replicating to {MODELS_USW2}"
    assert named(report, "s3.replication_latency", bucket).status == "unknown"


def test_replication_latency_over_budget_fails_and_missing_metrics_are_unknown(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    models, training = sorted(primary.latencies)
    primary.latencies[models] = 300.0
    del primary.latencies[training]

    report = assessed(plan, primary, secondary, record_sets)

    assert named(report, "s3.replication_latency", models[0]).status == "fail"
    assert named(report, "s3.replication_latency", training[0]).status == "unknown"


def test_a_rule_to_another_bucket_is_not_replication_to_the_target(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    bucket = "fraud-scoring-models-use1"
    primary.rules[bucket] = [ReplicationRule("backup", enabled=True, destination_bucket="fraud-scoring-backup")]

    assert named(assessed(plan, primary, secondary, record_sets), "s3.replication", bucket).status == "fail"


def test_versioning_and_encryption_off_on_a_replica_bucket_fail_as_warnings(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.bucket_versioning[MODELS_USW2] = "Suspended"
    secondary.bucket_encryption[MODELS_USW2] = BucketEncryption("aws:kms", "arn:aws:kms:us-east-1:123456789012:key/k")

    report = assessed(plan, primary, secondary, record_sets)

    assert named(report, "s3.versioning", MODELS_USW2).evidence == f"{MODELS_USW2} versioning is Suspended"
    assert named(report, "s3.encryption", MODELS_USW2).status == "fail"
    assert report.ready


def test_model_package_versions_missing_in_the_target_fail(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    older = dataclasses.replace(
        secondary.packages_by_group["fraud-scoring-xgb"][0].containers[0], image_digest="sha256:0"
    )
    secondary.packages_by_group["fraud-scoring-xgb"] = [ModelPackage(1, "Approved", None, (older,))]

    check = named(assessed(plan, primary, secondary, record_sets), "sagemaker.model_packages")

    assert (check.status, check.severity) == ("fail", "warning")
    assert "newest approved version 2" in check.evidence


def test_ecr_replication_must_cover_the_repository_and_the_target_region(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    primary.destinations = [dataclasses.replace(primary.destinations[0], prefixes=("other-team",))]

    assert named(assessed(plan, primary, secondary, record_sets), "ecr.replication").status == "fail"


def test_an_unregistered_variant_fails_the_autoscaling_check(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.scalable.clear()

    check = named(assessed(plan, primary, secondary, record_sets), "sagemaker.autoscaling")

    assert (check.status, check.severity) == ("fail", "warning")


def test_a_record_set_missing_is_critical_and_a_missing_health_check_a_warning(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    record_sets.health_check_ids["fraud-scoring-use1"] = None
    report = assessed(plan, primary, secondary, record_sets)
    assert named(report, "route53.records").status == "pass"
    assert named(report, "route53.health_checks").evidence == "fraud-scoring-use1 has no health check"

    del record_sets.health_check_ids["fraud-scoring-usw2"]
    report = assessed(plan, primary, secondary, record_sets)
    assert named(report, "route53.records").status == "fail"
    assert not report.ready


def test_a_plan_without_a_readiness_section_checks_the_database_endpoints_quotas_and_dns(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    bare = parse_plan(plan.model_dump(exclude={"readiness"}))

    report = assessed(bare, primary, secondary, record_sets)

    services = {c.name.split(".")[0] for c in report.checks}
    assert services == {"rds", "sagemaker", "s3", "ecr", "servicequotas", "route53"}
    assert not [c for c in report.checks if c.name in ("s3.replication", "dynamodb.replica", "ecr.replication")]


def test_an_endpoint_serving_from_several_containers_is_compared_container_by_container(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    spec = secondary.specs[ENDPOINT]
    variant: VariantSpec = spec.variants[0]
    extra = Container(variant.containers[0].image, None)
    secondary.specs[ENDPOINT] = dataclasses.replace(
        spec, variants=(dataclasses.replace(variant, containers=(*variant.containers, extra)),)
    )

    check = named(assessed(plan, primary, secondary, record_sets), "sagemaker.config_parity")

    assert check.status == "fail"


def test_every_thing_is_read_once_per_assessment_whichever_checks_ask(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    # The registry and the ML state's lag both read the packages, the artifact and the lag both head the model
    # artifact, the bucket checks read each bucket's replication rules twice: each is a tenth of a second of AWS on
    # the runbook's path.
    asked: list[tuple[str, str, str]] = []

    def counted(region: FakeRegion) -> RegionReads:
        class Asked:
            def __getattr__(self, method: str) -> object:
                read = getattr(region, method)
                return lambda *args, **kwargs: (
                    asked.append((region.region, method, repr((args, kwargs)))),
                    read(*args, **kwargs),
                )[1]

        ports = {f.name: Asked() for f in dataclasses.fields(RegionReads) if f.name != "region"}
        return RegionReads(region=region.region, **ports)

    report = assess(plan, source=counted(primary), target=counted(secondary), records=record_sets)

    assert report.ready
    assert len(asked) == len(set(asked)), sorted(a for a in asked if asked.count(a) > 1)
    assert {("us-east-1", "packages"), ("us-west-2", "packages"), ("us-west-2", "stored")} <= {a[:2] for a in asked}


def test_a_silent_primary_is_seen_by_the_same_check_whichever_family_runs_first(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    # The families read side by side; those that read the primary take turns until it has answered once, so the one
    # bounded timeout of an outage is the endpoint check's, as when they ran one after the other.
    primary.down = True
    read = primary._read
    primary._read = lambda method: (time.sleep(0.02), read(method))[1]  # type: ignore[method-assign]  # a timeout

    for _ in range(5):
        primary.reads = 0
        report = assessed(plan, primary, secondary, record_sets)

        first = [c.name for c in report.checks if c.evidence == "could not be read: us-east-1 did not answer spec"]
        later = [c for c in report.checks if "did not answer an earlier read" in c.evidence]
        assert primary.reads == 1
        assert first == ["sagemaker.config_parity"]
        assert len(later) == 9


def test_the_primarys_endpoint_is_read_beside_the_targets_not_after_it(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    # GIVEN the target's endpoint answers only once the primary's has been asked for (as two regions' reads made at
    # once would be: the target's read is not over when the primary's begins)
    asked_primary = threading.Event()
    primary_spec, target_spec = primary.spec, secondary.spec

    def primary_read(endpoint: str) -> EndpointSpec:
        asked_primary.set()
        return primary_spec(endpoint)

    def target_read(endpoint: str) -> EndpointSpec:
        if not asked_primary.wait(timeout=2):
            raise RegionUnavailableError("the primary's endpoint was not read beside this one")
        return target_spec(endpoint)

    primary.spec, secondary.spec = primary_read, target_read  # type: ignore[method-assign]

    # THEN both were read, and every endpoint check passed
    report = assessed(plan, primary, secondary, record_sets)

    assert named(report, "sagemaker.endpoint_in_service").status == "pass"
    assert named(report, "sagemaker.config_parity").status == "pass"
