"""Seed the local cloud's two regions with the application a plan describes, serving from the primary.

Everything readiness checks is there and replicated as a well-run application would have it: the model's artifacts
(replicated by S3) and image (one digest) in both regions, S3 and ECR replication from the primary to the secondary, the
model registry in both regions, the feature store as a global table, autoscaling, quotas above the plan's capacity,
and a health check on each DNS record set.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3

from evac.aws.autoscaling import DIMENSION, resource_id
from evac.aws.cloudwatch import LAG_METRICS
from evacops.localcloud.fidelity.latencies import Latencies
from evacops.localcloud.seed_dns import seed_health_checks
from evacops.localcloud.seed_kinds import seed_kinds
from evacops.template import partition

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_inference import Endpoint
    from evacops.localcloud.clock import Timeline, VirtualClock
    from evacops.localcloud.fidelity import SageMakerQuotas
    from evacops.localcloud.fidelity.arc import RoutingControlCluster
    from evacops.localcloud.fidelity.health_checks import Route53HealthChecks

LAG_MINUTES = 6 * 60
# S3 Replication Time Control replicates "most objects in seconds" (its SLA: 99.99% within 15 minutes).
SEED_S3_LATENCY_SECONDS = 12.0
# DynamoDB global tables: a newly written item is "usually propagated to all replica tables within a second"
# (DynamoDB developer guide, "Global tables: how it works").
SEED_TABLE_LATENCY_MS = 800.0
IMAGE_TAG = "1.7-1"
MODEL_KEY = "{endpoint}/model.tar.gz"
# Without readiness targets in the plan, the endpoint serves AWS's own XGBoost image from a per-endpoint bucket.
DEFAULT_IMAGE = "763104351884.dkr.ecr.{region}.amazonaws.com/xgboost-inference:1.7-1"
DEFAULT_ARTIFACTS = "s3://{endpoint}-models-{region}/model.tar.gz"
# The quota seeded for each instance type the plan may serve on: room for twice its capacity.
QUOTA_HEADROOM = 2
_REPLICATION_ROLE = "arn:{partition}:iam::{account}:role/s3-replication"
_MANIFEST: dict[str, Any] = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": 7023,
    },
    "layers": [],
}


def seed(
    plan: RecoveryPlan,
    clock: VirtualClock,
    timeline: Timeline | None = None,
    *,
    health: Route53HealthChecks | None = None,
    routing: RoutingControlCluster | None = None,
    replication_lag: float = Latencies.aurora_replication_lag,
) -> str:
    """Create everything the plan names; returns the hosted zone id.

    ``timeline``: the local cloud's, flushed at the end so the account starts settled (replicas ACTIVE).
    ``health``, ``routing``: the fidelity extensions that hold health checks and routing controls
    (``evacops.localcloud.seed_dns``). ``replication_lag``: Aurora's cross-Region lag in seconds, published as its
    metrics (the local cloud's write workload replicates with the same lag).
    """
    account = str(boto3.client("sts", plan.regions.primary).get_caller_identity()["Account"])
    _seed_database(plan, clock, replication_lag)
    _seed_buckets(plan, account, clock)
    _seed_images(plan, account)
    _seed_registry(plan, account)
    _seed_feature_store(plan, clock)
    for region in plan.regions.both:
        serving = region == plan.regions.primary
        for endpoint in plan.inference.endpoints:
            instances = endpoint.active_instances if serving else endpoint.standby_instances
            _seed_endpoint(plan, region, account, endpoint, instances)
    for alarm in plan.alarms:
        if alarm.kind == "probe":
            continue  # the stack's template creates it (ProbeAlarm), where its prober runs
        boto3.client("cloudwatch", alarm.region).put_metric_alarm(
            AlarmName=alarm.name,
            Namespace="AWS/Route53" if alarm.kind == "health-check" else "AWS/SageMaker",
            MetricName="HealthCheckStatus" if alarm.kind == "health-check" else "Invocation5XXErrors",
            Statistic="Minimum" if alarm.kind == "health-check" else "Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="LessThanThreshold" if alarm.kind == "health-check" else "GreaterThanOrEqualToThreshold",
        )
    seed_kinds(plan, account)
    zone_id = _seed_dns(plan, health, routing)
    if timeline is not None:
        timeline.flush()
    return zone_id


def seed_quotas(plan: RecoveryPlan, quotas: SageMakerQuotas) -> None:
    """Applied endpoint quotas in both regions for every instance type the plan may serve on, with room for all the
    plan's endpoints of that type at once."""
    wanted: dict[str, float] = {}
    for endpoint in plan.inference.endpoints:
        for instance_type in endpoint.instance_types:
            wanted[instance_type] = wanted.get(instance_type, 0.0) + endpoint.active_instances * QUOTA_HEADROOM
    for region in plan.regions.both:
        for instance_type, instances in wanted.items():
            quotas.applied[(region, instance_type)] = max(quotas.applied.get((region, instance_type), 0), instances)


def model_image(plan: RecoveryPlan, region: str, account: str) -> str:
    """The image the plan's endpoints serve, in ``region``'s registry."""
    if plan.readiness.ecr_repositories:
        return f"{account}.dkr.ecr.{region}.amazonaws.com/{plan.readiness.ecr_repositories[0]}:{IMAGE_TAG}"
    return DEFAULT_IMAGE.format(region=region)


def model_artifacts(plan: RecoveryPlan, region: str, endpoint: str) -> str:
    """The model artifact URL of ``endpoint`` in ``region``: in the plan's model-artifacts bucket there."""
    bucket = next((b for b in plan.readiness.buckets if b.purpose == "model-artifacts"), None)
    if bucket is None:
        return DEFAULT_ARTIFACTS.format(endpoint=endpoint, region=region)
    return f"s3://{bucket.names[region]}/{MODEL_KEY.format(endpoint=endpoint)}"


def _seed_database(plan: RecoveryPlan, clock: VirtualClock, lag_seconds: float) -> None:
    db = plan.database
    primary = boto3.client("rds", plan.regions.primary)
    source = primary.create_db_cluster(
        DBClusterIdentifier=db.clusters[plan.regions.primary],
        Engine=db.engine,
        MasterUsername="evac",
        MasterUserPassword="local-cloud-only",
    )["DBCluster"]
    primary.create_global_cluster(
        GlobalClusterIdentifier=db.global_cluster, SourceDBClusterIdentifier=source["DBClusterArn"]
    )
    boto3.client("rds", plan.regions.secondary).create_db_cluster(
        DBClusterIdentifier=db.clusters[plan.regions.secondary],
        Engine=db.engine,
        GlobalClusterIdentifier=db.global_cluster,
    )
    # Aurora publishes the lag every minute; seed a datapoint a minute for the hours a drill may model.
    start = clock.now() - timedelta(minutes=10)
    for region in plan.regions.both:
        boto3.client("cloudwatch", region).put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": LAG_METRICS[0],
                    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": db.clusters[region]}],
                    "Timestamp": start + timedelta(minutes=minute),
                    "Value": lag_seconds * 1000,
                    "Unit": "Milliseconds",
                }
                for minute in range(LAG_MINUTES)
            ],
        )


def _seed_buckets(plan: RecoveryPlan, account: str, clock: VirtualClock) -> None:
    """Each plan bucket in both regions (versioned, SSE-KMS with the region's own key), replication from the
    primary's bucket to the secondary's (opted in to SSE-KMS objects) with its latency metric (S3 publishes it in the
    source's region), then the objects written in the primary: S3 copies them (the secondary holds replicas, with
    the primary's version ids and their own ETags), as it copies nothing written before the rule."""
    primary, secondary = plan.regions.primary, plan.regions.secondary
    for entry in plan.readiness.buckets:
        for region in plan.regions.both:
            s3 = boto3.client("s3", region)
            bucket = entry.names[region]
            # us-east-1 takes no LocationConstraint (CreateBucket)
            where: Any = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=bucket, **where)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            default: Any = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": _models_key(region, account)}
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
            )
        rule_id = f"{entry.purpose}-to-{secondary}"
        boto3.client("s3", primary).put_bucket_replication(
            Bucket=entry.names[primary],
            ReplicationConfiguration={
                "Role": _REPLICATION_ROLE.format(partition=partition(primary), account=account),
                "Rules": [
                    {
                        "ID": rule_id,
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        # SSE-KMS objects replicate only when the rule opts in, re-encrypted with a key in the
                        # destination's region (S3 User Guide, "Replicating encrypted objects")
                        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                        "Destination": {
                            "Bucket": f"arn:{partition(secondary)}:s3:::{entry.names[secondary]}",
                            "EncryptionConfiguration": {"ReplicaKmsKeyID": _models_key(secondary, account)},
                            "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                            "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
                        },
                    }
                ],
            },
        )
        # S3 publishes the rule's latency every minute: a datapoint a minute for the hours a drill may model.
        start = clock.now() - timedelta(minutes=10)
        boto3.client("cloudwatch", primary).put_metric_data(
            Namespace="AWS/S3",
            MetricData=[
                {
                    "MetricName": "ReplicationLatency",
                    "Dimensions": [
                        {"Name": "SourceBucket", "Value": entry.names[primary]},
                        {"Name": "DestinationBucket", "Value": entry.names[secondary]},
                        {"Name": "RuleId", "Value": rule_id},
                    ],
                    "Timestamp": start + timedelta(minutes=minute),
                    "Value": SEED_S3_LATENCY_SECONDS,
                    "Unit": "Seconds",
                }
                for minute in range(LAG_MINUTES)
            ],
        )
        s3 = boto3.client("s3", primary)
        for key, body in _objects(plan, entry.purpose).items():
            s3.put_object(Bucket=entry.names[primary], Key=key, Body=body, ChecksumAlgorithm="SHA256")


def _models_key(region: str, account: str) -> str:
    """The KMS key the plan's buckets encrypt with in ``region`` (by alias: a key of that region)."""
    return f"arn:{partition(region)}:kms:{region}:{account}:alias/evac-models"


def _objects(plan: RecoveryPlan, purpose: str) -> dict[str, bytes]:
    if purpose == "model-artifacts":
        return {MODEL_KEY.format(endpoint=e.name): f"{e.name} model weights".encode() for e in plan.inference.endpoints}
    return {f"{plan.application}/{purpose}/part-00000.parquet": f"{plan.application} {purpose}".encode()}


def _seed_images(plan: RecoveryPlan, account: str) -> None:
    """The same image (one manifest, one digest) in each region's repository; the primary's registry replicates."""
    for region in plan.regions.both:
        ecr = boto3.client("ecr", region)
        for repository in plan.readiness.ecr_repositories:
            ecr.create_repository(repositoryName=repository)
            ecr.put_image(repositoryName=repository, imageManifest=_manifest(repository), imageTag=IMAGE_TAG)
    if plan.readiness.ecr_repositories:
        boto3.client("ecr", plan.regions.primary).put_replication_configuration(
            replicationConfiguration={
                "rules": [
                    {
                        "destinations": [{"region": plan.regions.secondary, "registryId": account}],
                        "repositoryFilters": [{"filter": plan.application, "filterType": "PREFIX_MATCH"}],
                    }
                ]
            }
        )


def _manifest(repository: str) -> str:
    """The image manifest of ``repository``: the same in every region (one digest), another per repository."""
    config = _MANIFEST["config"] | {"digest": "sha256:" + hashlib.sha256(f"{repository} config".encode()).hexdigest()}
    return json.dumps(_MANIFEST | {"config": config})


def _seed_registry(plan: RecoveryPlan, account: str) -> None:
    """The model package group in both regions with the same approved version."""
    group = plan.readiness.model_package_group
    if group is None:
        return
    for region in plan.regions.both:
        sagemaker = boto3.client("sagemaker", region)
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus="Approved",
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": model_image(plan, region, account),
                        "ModelDataUrl": model_artifacts(plan, region, plan.inference.endpoints[0].name),
                    }
                ],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
        )


def _seed_feature_store(plan: RecoveryPlan, clock: VirtualClock) -> None:
    """Each feature-store table in the primary, with a replica in the secondary (a global table), and its
    replication latency."""
    dynamodb = boto3.client("dynamodb", plan.regions.primary)
    for table in plan.readiness.feature_store_tables:
        dynamodb.create_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "entity_id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "entity_id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        dynamodb.update_table(TableName=table, ReplicaUpdates=[{"Create": {"RegionName": plan.regions.secondary}}])
        publish_table_latency(plan, table, SEED_TABLE_LATENCY_MS, clock.now() - timedelta(minutes=10))


def publish_table_latency(plan: RecoveryPlan, table: str, milliseconds: float, start: datetime) -> None:
    """DynamoDB's ``ReplicationLatency`` of ``table`` from the primary to the secondary, a datapoint a minute from
    ``start`` for the hours a drill may model (published in the primary: the writing region)."""
    boto3.client("cloudwatch", plan.regions.primary).put_metric_data(
        Namespace="AWS/DynamoDB",
        MetricData=[
            {
                "MetricName": "ReplicationLatency",
                "Dimensions": [
                    {"Name": "TableName", "Value": table},
                    {"Name": "ReceivingRegion", "Value": plan.regions.secondary},
                ],
                "Timestamp": start + timedelta(minutes=minute),
                "Value": milliseconds,
                "Unit": "Milliseconds",
            }
            for minute in range(LAG_MINUTES)
        ],
    )


def _seed_endpoint(plan: RecoveryPlan, region: str, account: str, endpoint: Endpoint, instances: int) -> None:
    sagemaker = boto3.client("sagemaker", region)
    sagemaker.create_model(
        ModelName=endpoint.name,
        PrimaryContainer={
            "Image": model_image(plan, region, account),
            "ModelDataUrl": model_artifacts(plan, region, endpoint.name),
        },
        ExecutionRoleArn=f"arn:{partition(region)}:iam::{account}:role/sagemaker-execution",
    )
    variant: Any = {
        "VariantName": endpoint.variant,
        "ModelName": endpoint.name,
        "InstanceType": endpoint.instance_type,
        "InitialInstanceCount": max(instances, 1),
        "InitialVariantWeight": 1.0,
    }
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{endpoint.name}-config",
        ProductionVariants=[variant],
    )
    sagemaker.create_endpoint(EndpointName=endpoint.name, EndpointConfigName=f"{endpoint.name}-config")
    boto3.client("application-autoscaling", region).register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource_id(endpoint.name, endpoint.variant),
        ScalableDimension=DIMENSION,
        MinCapacity=max(instances, 1),
        MaxCapacity=endpoint.active_instances * 2,
    )


def _seed_dns(plan: RecoveryPlan, health: Route53HealthChecks | None, routing: RoutingControlCluster | None) -> str:
    route53 = boto3.client("route53", "us-east-1")
    zone = route53.create_hosted_zone(Name=plan.dns.hosted_zone, CallerReference=f"evac-{plan.application}")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    health_checks = seed_health_checks(plan, health, routing)
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": plan.dns.record_name,
                        "Type": plan.dns.record_type,
                        "SetIdentifier": plan.dns.set_identifiers[region],
                        "Weight": 100 if region == plan.regions.primary else 0,
                        "TTL": plan.dns.ttl,
                        "ResourceRecords": [{"Value": plan.dns.targets[region]}],
                        "HealthCheckId": health_checks[region],
                    },
                }
                for region in plan.regions.both
            ]
        },
    )
    return str(zone_id)
