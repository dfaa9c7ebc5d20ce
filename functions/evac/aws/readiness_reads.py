"""Readiness as this account's adapters read it: each region's ``RegionReads`` built from the AWS adapters, and
the assessment run on them (what the readiness function and the preflight step both do)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evac.aws.autoscaling import VariantScaling
from evac.aws.cloudwatch import AuroraLag, S3ReplicationLatency, TableReplicationLatency
from evac.aws.dynamodb import GlobalTables
from evac.aws.ecr import EcrImages
from evac.aws.rds import AuroraGlobal
from evac.aws.record_health import RecordHealth
from evac.aws.route53 import WeightedRecords
from evac.aws.s3 import S3Buckets
from evac.aws.sagemaker import ModelPackages, SageMakerEndpoints
from evac.aws.servicequotas import SageMakerQuotas
from evac.domain.readiness import RegionReads, assess

if TYPE_CHECKING:
    from evac.domain.models import Readiness
    from evac.domain.plan import RecoveryPlan


def region_reads(region: str, *, probe: bool = False) -> RegionReads:
    """Every adapter readiness reads in ``region``; ``probe``: one quick try per call (a region that may be down)."""
    return RegionReads(
        region=region,
        database=AuroraGlobal(region, probe=probe),
        lag=AuroraLag(region, probe=probe),
        endpoints=SageMakerEndpoints(region, probe=probe),
        scaling=VariantScaling(region, probe=probe),
        registry=ModelPackages(region, probe=probe),
        quotas=SageMakerQuotas(region, probe=probe),
        buckets=S3Buckets(region, probe=probe),
        bucket_metrics=S3ReplicationLatency(region, probe=probe),
        images=EcrImages(region, probe=probe),
        tables=GlobalTables(region, probe=probe),
        table_metrics=TableReplicationLatency(region, probe=probe),
    )


def assess_target(plan: RecoveryPlan, *, source: str, target: str, source_may_be_down: bool) -> Readiness:
    """Assess ``target`` as the failover target of ``source``; during a failover the source may be the region that
    failed, so its reads are probes (bounded timeout, no retry)."""
    records = WeightedRecords(probe=source_may_be_down)
    return assess(
        plan,
        source=region_reads(source, probe=source_may_be_down),
        target=region_reads(target),
        records=records,
        health=RecordHealth(plan, records),
    )
