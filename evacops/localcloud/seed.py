"""Seed the local cloud's two regions with the application a plan describes, serving from the primary."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3

from evac.aws.autoscaling import DIMENSION, resource_id
from evac.aws.cloudwatch import LAG_METRICS

if TYPE_CHECKING:
    from evac.domain.plan import Endpoint, RecoveryPlan
    from evacops.localcloud.clock import ScaledClock

# Aurora's typical cross-region replication lag, "usually under a second" (Aurora Global Database overview).
SEED_LAG_MS = 850.0
LAG_MINUTES = 6 * 60
MODEL_IMAGE = "763104351884.dkr.ecr.{region}.amazonaws.com/xgboost-inference:1.7-1"


def seed(plan: RecoveryPlan, clock: ScaledClock) -> str:
    """Create everything the plan names; returns the hosted zone id."""
    _seed_database(plan, clock)
    for region in plan.regions.both:
        serving = region == plan.regions.primary
        for endpoint in plan.inference.endpoints:
            _seed_endpoint(region, endpoint, endpoint.active_instances if serving else endpoint.standby_instances)
    for alarm in plan.alarms:
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
    return _seed_dns(plan)


def _seed_database(plan: RecoveryPlan, clock: ScaledClock) -> None:
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
                    "Value": SEED_LAG_MS,
                    "Unit": "Milliseconds",
                }
                for minute in range(LAG_MINUTES)
            ],
        )


def _seed_endpoint(region: str, endpoint: Endpoint, instances: int) -> None:
    sagemaker = boto3.client("sagemaker", region)
    sagemaker.create_model(
        ModelName=endpoint.name,
        PrimaryContainer={
            "Image": MODEL_IMAGE.format(region=region),
            "ModelDataUrl": f"s3://{endpoint.name}-models-{region}/model.tar.gz",
        },
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker-execution",
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


def _seed_dns(plan: RecoveryPlan) -> str:
    route53 = boto3.client("route53", "us-east-1")
    zone = route53.create_hosted_zone(Name=plan.dns.hosted_zone, CallerReference=f"evac-{plan.application}")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
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
                    },
                }
                for region in plan.regions.both
            ]
        },
    )
    return str(zone_id)
