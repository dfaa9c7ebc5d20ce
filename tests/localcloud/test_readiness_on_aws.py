"""Readiness's adapters on moto with the local cloud's fidelity extensions, where AWS answers as readiness's old
checks did not expect: SSE-KMS ETags that differ across buckets, replication that copies only what its rules allow,
and endpoint shapes beyond one model per variant.

Every read goes through evac's own adapters (boto3), as the readiness function makes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.aws.route53 import WeightedRecords
from evac.aws.s3 import S3Buckets
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.readiness.artifacts import same_object
from evacops.localcloud.fidelity import InferenceComponentVariants, S3Replication
from evacops.localcloud.fidelity.arc import RoutingControlCluster
from evacops.localcloud.fidelity.health_checks import Route53HealthChecks

if TYPE_CHECKING:
    from contextlib import ExitStack

EAST, WEST = "us-east-1", "us-west-2"
SOURCE, REPLICA = "models-use1", "models-usw2"
KEY = "fraud/model.tar.gz"
ACCOUNT = "123456789012"


@pytest.fixture
def buckets(stack: ExitStack) -> Any:
    """Two versioned SSE-KMS buckets, us-east-1 replicating to us-west-2 with ``rule`` (set by each test)."""
    S3Replication().install(stack)
    for region, bucket in ((EAST, SOURCE), (WEST, REPLICA)):
        s3 = boto3.client("s3", region)
        where: Any = {} if region == EAST else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3.create_bucket(Bucket=bucket, **where)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        key = f"arn:aws:kms:{region}:{ACCOUNT}:alias/models"
        default: Any = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
        )

    def replicate(**rule: Any) -> None:
        destination = {
            "Bucket": f"arn:aws:s3:::{REPLICA}",
            "EncryptionConfiguration": {"ReplicaKmsKeyID": f"arn:aws:kms:{WEST}:{ACCOUNT}:alias/models"},
        }
        boto3.client("s3", EAST).put_bucket_replication(
            Bucket=SOURCE,
            ReplicationConfiguration={
                "Role": f"arn:aws:iam::{ACCOUNT}:role/s3-replication",
                "Rules": [
                    {
                        "ID": "models",
                        "Priority": 1,
                        "Status": "Enabled",
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": destination,
                    }
                    | rule
                ],
            },
        )

    return replicate


def write() -> None:
    boto3.client("s3", EAST).put_object(Bucket=SOURCE, Key=KEY, Body=b"weights", ChecksumAlgorithm="SHA256")


def test_a_replicated_sse_kms_artifact_has_another_etag_and_the_sources_version(buckets: Any) -> None:
    buckets(Filter={}, SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}})
    write()

    here, there = S3Buckets(WEST).stored(REPLICA, KEY), S3Buckets(EAST).stored(SOURCE, KEY)

    assert here is not None
    assert there is not None
    assert here.etag != there.etag  # the old ETag comparison failed this correctly replicated artifact
    assert (here.replication_status, there.replication_status) == ("REPLICA", "COMPLETED")
    assert here.version_id == there.version_id
    assert same_object(here, there, f"s3://{SOURCE}/{KEY}").status == "pass"
    rule = S3Buckets(EAST).replication_rules(SOURCE)[0]
    assert (rule.kms_objects, rule.replica_kms_key) == (True, f"arn:aws:kms:{WEST}:{ACCOUNT}:alias/models")


def test_a_rule_without_the_kms_opt_in_copies_no_sse_kms_object(buckets: Any) -> None:
    buckets(Filter={})
    write()

    assert S3Buckets(WEST).stored(REPLICA, KEY) is None
    assert S3Buckets(EAST).replication_rules(SOURCE)[0].kms_objects is False


def test_a_rule_copies_only_what_its_prefix_selects(buckets: Any) -> None:
    buckets(Filter={"Prefix": "training/"}, SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}})
    write()

    assert S3Buckets(WEST).stored(REPLICA, KEY) is None
    assert S3Buckets(EAST).replication_rules(SOURCE)[0].prefix == "training/"


def test_a_bucket_without_a_configuration_encrypts_with_sse_s3(stack: ExitStack) -> None:
    S3Replication().install(stack)
    boto3.client("s3", EAST).create_bucket(Bucket="plain-bucket")

    found = S3Buckets(EAST).encryption("plain-bucket")

    assert found is not None
    assert found.algorithm == "AES256"


def test_an_endpoint_on_inference_components_reads_without_a_model(stack: ExitStack) -> None:
    InferenceComponentVariants().install(stack)
    sagemaker = boto3.client("sagemaker", WEST)
    sagemaker.create_endpoint_config(
        EndpointConfigName="components",
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution",
        ProductionVariants=[{"VariantName": "AllTraffic", "InstanceType": "ml.g4dn.xlarge", "InitialInstanceCount": 1}],
    )
    sagemaker.create_endpoint(EndpointName="llm", EndpointConfigName="components")

    spec = SageMakerEndpoints(WEST).spec("llm")  # a KeyError here failed the readiness function and preflight

    variant = spec.variant("AllTraffic")
    assert variant is not None
    assert variant.model is None
    assert variant.containers == ()


def test_get_health_check_status_reports_the_evaluated_status(stack: ExitStack) -> None:
    # GIVEN a CLOUDWATCH_METRIC health check on an alarm in us-west-2, in ALARM
    Route53HealthChecks(ACCOUNT, RoutingControlCluster(), dark=lambda region: False).install(stack)
    cloudwatch = boto3.client("cloudwatch", WEST)
    cloudwatch.put_metric_alarm(
        AlarmName="fraud-drain", Namespace="evac", MetricName="Drain", Statistic="Maximum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    cloudwatch.set_alarm_state(AlarmName="fraud-drain", StateValue="ALARM", StateReason="Drain 1")
    config: Any = {"Type": "CLOUDWATCH_METRIC", "AlarmIdentifier": {"Region": WEST, "Name": "fraud-drain"}}
    created = boto3.client("route53", EAST).create_health_check(CallerReference="drain", HealthCheckConfig=config)
    health_check = created["HealthCheck"]["Id"]
    records = WeightedRecords()

    # THEN Route 53's checkers report it unhealthy, and healthy once the alarm is OK
    healthy, reporting = records.checkers_healthy(health_check) or (None, None)
    assert (healthy, reporting and reporting > 0) == (0, True)
    cloudwatch.set_alarm_state(AlarmName="fraud-drain", StateValue="OK", StateReason="Drain 0")
    assert records.checkers_healthy(health_check) == (reporting, reporting)
    assert records.checkers_healthy("no-such-check") is None
