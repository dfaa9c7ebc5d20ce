"""Readiness as AWS really answers: each check judged by what the AWS API reference says the service does.

Every test here sets up a state real AWS produces (SSE-KMS ETags, a rule without the KMS opt-in, a table whose
replica is UPDATING, an endpoint on inference components...) that the in-memory fakes of a well-run application
did not show, and asserts the verdict a user needs.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from evac.domain.ports import BucketEncryption, Container, ModelPackage, TableReplicas
from evac.domain.readiness import assess
from tests.fakes.readiness import ARTIFACT_KEY, ARTIFACT_VERSION, PACKAGED_AT

if TYPE_CHECKING:
    from evac.domain.models import Readiness, ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.dns import FakeRecordSets
    from tests.fakes.readiness import FakeRegion

pytestmark = pytest.mark.usefixtures("frozen_clock")

ENDPOINT = "fraud-scoring-xgb"
MODELS_USE1, MODELS_USW2 = "fraud-scoring-models-use1", "fraud-scoring-models-usw2"
GROUP = "fraud-scoring-xgb"


def assessed(plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, records: FakeRecordSets) -> Readiness:
    return assess(plan, source=primary.reads_as(), target=secondary.reads_as(), records=records)


def named(report: Readiness, name: str, resource: str | None = None) -> ReadinessCheck:
    found = [c for c in report.checks if c.name == name and (resource is None or c.resource == resource)]
    assert len(found) == 1, [c.summary() for c in report.checks]
    return found[0]


def artifact(region: FakeRegion, bucket: str, **changes: object) -> None:
    key = (bucket, ARTIFACT_KEY)
    region.objects[key] = dataclasses.replace(region.objects[key], **changes)  # type: ignore[arg-type]


def variant_of(region: FakeRegion, **changes: object) -> None:
    spec = region.specs[ENDPOINT]
    region.specs[ENDPOINT] = dataclasses.replace(spec, variants=(dataclasses.replace(spec.variants[0], **changes),))


# --- artifacts: identity by version id, replication status or checksum, never by a KMS or multipart ETag -------------


def test_a_replicated_sse_kms_artifact_passes_though_its_etags_differ(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    report = assessed(plan, primary, secondary, record_sets)

    check = named(report, "s3.model_artifact")
    assert check.status == "pass", check.evidence
    assert ARTIFACT_VERSION in check.evidence
    assert report.ready


def test_an_artifact_of_another_version_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    artifact(secondary, MODELS_USW2, version_id="older-version", replication_status="REPLICA")

    check = named(assessed(plan, primary, secondary, record_sets), "s3.model_artifact")

    assert check.status == "fail"
    assert "older-version" in check.evidence


def test_a_copied_artifact_is_identified_by_its_checksum(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    artifact(primary, MODELS_USE1, checksum="SHA256:aaaa")
    artifact(secondary, MODELS_USW2, version_id="copied", replication_status=None, checksum="SHA256:aaaa")
    assert named(assessed(plan, primary, secondary, record_sets), "s3.model_artifact").status == "pass"

    artifact(secondary, MODELS_USW2, checksum="SHA256:bbbb")
    assert named(assessed(plan, primary, secondary, record_sets), "s3.model_artifact").status == "fail"


def test_a_copied_multipart_artifact_without_checksums_is_unknown_never_a_pass(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    artifact(primary, MODELS_USE1, etag="9b2cf535f27731c974343645a3985328-3", encryption="AES256")
    artifact(
        secondary,
        MODELS_USW2,
        etag="9b2cf535f27731c974343645a3985328-3",
        encryption="AES256",
        version_id="copied",
        replication_status=None,
    )

    check = named(assessed(plan, primary, secondary, record_sets), "s3.model_artifact")

    assert check.status == "unknown"
    assert "multipart" in check.evidence


# --- replication rules: judged by what they would replicate ----------------------------------------------------------


def test_a_rule_without_the_kms_opt_in_replicates_no_sse_kms_artifact(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    primary.rules[MODELS_USE1] = [dataclasses.replace(primary.rules[MODELS_USE1][0], kms_objects=False)]

    check = named(assessed(plan, primary, secondary, record_sets), "s3.replication", MODELS_USE1)

    assert check.status == "fail"
    assert "SseKmsEncryptedObjects" in check.evidence


def test_a_rule_whose_prefix_misses_the_artifact_does_not_replicate_it(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    primary.rules[MODELS_USE1] = [dataclasses.replace(primary.rules[MODELS_USE1][0], prefix="training/")]

    check = named(assessed(plan, primary, secondary, record_sets), "s3.replication", MODELS_USE1)

    assert check.status == "fail"
    assert ARTIFACT_KEY in check.evidence


def test_a_rule_filtering_on_tags_replicates_an_artifact_only_with_those_tags(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    primary.rules[MODELS_USE1] = [dataclasses.replace(primary.rules[MODELS_USE1][0], tags=(("dr", "yes"),))]
    artifact(primary, MODELS_USE1, tags={"dr": "no"})
    assert named(assessed(plan, primary, secondary, record_sets), "s3.replication", MODELS_USE1).status == "fail"

    artifact(primary, MODELS_USE1, tags={"dr": "yes", "team": "fraud"})
    assert named(assessed(plan, primary, secondary, record_sets), "s3.replication", MODELS_USE1).status == "pass"


def test_a_rule_to_an_archive_storage_class_or_another_partition_does_not_count(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    rule = primary.rules[MODELS_USE1][0]
    primary.rules[MODELS_USE1] = [dataclasses.replace(rule, storage_class="DEEP_ARCHIVE")]
    check = named(assessed(plan, primary, secondary, record_sets), "s3.replication", MODELS_USE1)
    assert (check.status, "DEEP_ARCHIVE" in check.evidence) == ("fail", True)

    primary.rules[MODELS_USE1] = [dataclasses.replace(rule, destination_partition="aws-cn")]
    check = named(assessed(plan, primary, secondary, record_sets), "s3.replication", MODELS_USE1)
    assert (check.status, "aws-cn" in check.evidence) == ("fail", True)


# --- encryption: every bucket has SSE-S3 since January 2023; what matters is a KMS key in the target -----------------


def test_encryption_passes_on_sse_s3_and_fails_on_a_kms_key_in_another_region(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.bucket_encryption[MODELS_USW2] = BucketEncryption("AES256")
    assert named(assessed(plan, primary, secondary, record_sets), "s3.encryption", MODELS_USW2).status == "pass"

    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    secondary.bucket_encryption[MODELS_USW2] = BucketEncryption("aws:kms", key)
    check = named(assessed(plan, primary, secondary, record_sets), "s3.encryption", MODELS_USW2)
    assert check.status == "fail"
    assert "us-east-1" in check.evidence


def test_a_rule_encrypting_replicas_with_a_key_outside_the_target_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    rule = primary.rules[MODELS_USE1][0]
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    primary.rules[MODELS_USE1] = [dataclasses.replace(rule, replica_kms_key=key)]

    check = named(assessed(plan, primary, secondary, record_sets), "s3.replication", MODELS_USE1)

    assert check.status == "fail"
    assert "ReplicaKmsKeyID" in check.evidence


# --- transient states that still serve -------------------------------------------------------------------------------


def test_a_table_whose_replica_is_updating_still_serves(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.tables["fraud-scoring-features"] = TableReplicas("UPDATING", {"us-east-1": "UPDATING"})
    assert named(assessed(plan, primary, secondary, record_sets), "dynamodb.replica").status == "pass"

    replicas = {"us-east-1": "ACTIVE", "us-west-2": "INACCESSIBLE_ENCRYPTION_CREDENTIALS"}
    secondary.tables["fraud-scoring-features"] = TableReplicas("ACTIVE", replicas)
    assert named(assessed(plan, primary, secondary, record_sets), "dynamodb.replica").status == "fail"


def test_a_2017_global_table_is_judged_by_its_replication_group(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.tables["fraud-scoring-features"] = TableReplicas(
        "ACTIVE", {"us-east-1": "ACTIVE", "us-west-2": "ACTIVE"}, version="2017.11.29"
    )

    check = named(assessed(plan, primary, secondary, record_sets), "dynamodb.replica")

    assert check.status == "pass"
    assert "2017.11.29" in check.evidence


def test_an_endpoint_updating_still_serves(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    secondary.specs[ENDPOINT] = dataclasses.replace(secondary.specs[ENDPOINT], status="Updating")
    report = assessed(plan, primary, secondary, record_sets)
    assert named(report, "sagemaker.endpoint_in_service").status == "pass"
    assert report.ready

    secondary.specs[ENDPOINT] = dataclasses.replace(secondary.specs[ENDPOINT], status="Creating")
    assert named(assessed(plan, primary, secondary, record_sets), "sagemaker.endpoint_in_service").status == "fail"


# --- endpoint and model shapes ---------------------------------------------------------------------------------------


def test_an_endpoint_on_inference_components_is_unknown_not_a_crash_or_a_pass(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    variant_of(secondary, model=None, containers=())
    variant_of(primary, model=None, containers=())

    report = assessed(plan, primary, secondary, record_sets)

    parity = named(report, "sagemaker.config_parity")
    assert parity.status == "unknown"
    assert "inference components" in parity.evidence
    assert named(report, "s3.model_artifact").status == "unknown"
    assert not report.ready


def test_a_model_on_an_uncompressed_prefix_has_its_artifact_unknown_not_passed(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    for region, bucket in ((primary, MODELS_USE1), (secondary, MODELS_USW2)):
        image = region.specs[ENDPOINT].variants[0].containers[0].image
        variant_of(region, containers=(Container(image, None, data_source=f"s3://{bucket}/fraud-scoring-xgb/"),))

    report = assessed(plan, primary, secondary, record_sets)

    assert named(report, "sagemaker.config_parity").status == "pass"
    check = named(report, "s3.model_artifact")
    assert check.status == "unknown"
    assert "prefix" in check.evidence


def test_a_model_from_a_package_that_was_not_read_is_unknown(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    package = "arn:aws:sagemaker:us-west-2:123456789012:model-package/fraud-scoring-xgb/1"
    variant_of(secondary, containers=(Container("", None, unread=f"model package {package}"),))

    report = assessed(plan, primary, secondary, record_sets)

    assert named(report, "sagemaker.config_parity").status == "unknown"
    assert not report.ready


# --- registry parity by content --------------------------------------------------------------------------------------


def test_model_packages_match_by_content_not_by_version_number(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    check = named(assessed(plan, primary, secondary, record_sets), "sagemaker.model_packages")
    assert check.status == "pass", check.evidence  # version 2 there is version 1 here: the same model

    theirs = primary.packages_by_group[GROUP][0]
    other = Container(
        theirs.containers[0].image, theirs.containers[0].model_data_url, image_digest="sha256:" + "ef" * 32
    )
    secondary.packages_by_group[GROUP] = [ModelPackage(2, "Approved", PACKAGED_AT, (other,))]
    check = named(assessed(plan, primary, secondary, record_sets), "sagemaker.model_packages")
    assert check.status == "fail"  # the same version number, another image


def test_the_primarys_model_present_but_not_approved_in_the_target_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    ours = secondary.packages_by_group[GROUP][0]
    secondary.packages_by_group[GROUP] = [dataclasses.replace(ours, approval="PendingManualApproval")]

    check = named(assessed(plan, primary, secondary, record_sets), "sagemaker.model_packages")

    assert check.status == "fail"
    assert "PendingManualApproval" in check.evidence


# --- quota minus usage -----------------------------------------------------------------------------------------------


def test_the_instance_quota_counts_what_other_endpoints_already_use(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    endpoint = plan.inference.endpoints[0]
    secondary.in_use["recommendations"] = {endpoint.instance_type: int(secondary.quotas[endpoint.instance_type]) - 1}

    check = named(assessed(plan, primary, secondary, record_sets), "servicequotas.instance_quota")

    assert (check.status, check.severity) == ("fail", "critical")
    assert "other endpoints use" in check.evidence


# --- images in AWS's own registries ----------------------------------------------------------------------------------


def test_an_aws_deep_learning_container_is_judged_by_its_uri_without_describe_images(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    dlc = "763104351884.dkr.ecr.{}.amazonaws.com/pytorch-inference:2.3.0-gpu-py311-cu121-ubuntu20.04-sagemaker"
    for region in (primary, secondary):
        container = region.specs[ENDPOINT].variants[0].containers[0]
        variant_of(region, containers=(dataclasses.replace(container, image=dlc.format(region.region)),))
    secondary.denied.add("digest")  # the role may not call DescribeImages on AWS's registries

    report = assessed(plan, primary, secondary, record_sets)

    check = named(report, "ecr.image_present")
    assert check.status == "pass", check.evidence
    assert "763104351884" in check.evidence
    assert report.ready


def test_an_aws_image_pulled_from_another_region_still_fails(
    plan: RecoveryPlan, primary: FakeRegion, secondary: FakeRegion, record_sets: FakeRecordSets
) -> None:
    dlc = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3.0-gpu"
    for region in (primary, secondary):
        container = region.specs[ENDPOINT].variants[0].containers[0]
        variant_of(region, containers=(dataclasses.replace(container, image=dlc),))

    assert named(assessed(plan, primary, secondary, record_sets), "ecr.image_present").status == "fail"
