"""S3 buckets the plan names: the replica is versioned and encrypted, and the source replicates to it in time."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from evac.domain.readiness.probes import Finding, catalogued

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan, ReplicatedBucket
    from evac.domain.readiness.probes import RegionReads, Source


def bucket_checks(plan: RecoveryPlan, source: Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    for entry in plan.readiness.buckets:
        replica, bucket = entry.names[target.region], entry.names[source.reads.region]
        yield catalogued("s3.versioning", replica, partial(_versioning, target, replica), replica=replica)
        yield catalogued("s3.encryption", replica, partial(_encryption, target, replica), replica=replica)
        yield catalogued(
            "s3.replication",
            bucket,
            partial(_replication, entry, source, target.region),
            bucket=bucket,
            replica=replica,
        )
        yield catalogued(
            "s3.replication_latency",
            bucket,
            partial(_replication_latency, plan, entry, source, target.region),
            replica=replica,
        )


def _versioning(target: RegionReads, bucket: str) -> Finding:
    status = target.buckets.versioning(bucket)
    return Finding("pass" if status == "Enabled" else "fail", f"{bucket} versioning is {status}")


def _encryption(target: RegionReads, bucket: str) -> Finding:
    algorithm = target.buckets.encryption(bucket)
    if algorithm is None:
        return Finding("fail", f"{bucket} has no default encryption")
    return Finding("pass", f"{bucket} encrypts with {algorithm}")


def _rule_to(entry: ReplicatedBucket, source: Source, target_region: str) -> Finding | tuple[str, str]:
    bucket, replica = entry.names[source.reads.region], entry.names[target_region]
    rules = source(lambda: source.reads.buckets.replication_rules(bucket))
    to_replica = [r for r in rules if r.destination_bucket == replica]
    enabled = next((r for r in to_replica if r.enabled), None)
    if enabled is None:
        state = "a disabled rule" if to_replica else "no rule"
        return Finding("fail", f"{bucket} has {state} replicating to {replica}")
    return enabled.rule_id, replica


def _replication(entry: ReplicatedBucket, source: Source, target_region: str) -> Finding:
    found = _rule_to(entry, source, target_region)
    if isinstance(found, Finding):
        return found
    rule_id, replica = found
    return Finding("pass", f"rule {rule_id} replicates {entry.names[source.reads.region]} to {replica}")


def _replication_latency(plan: RecoveryPlan, entry: ReplicatedBucket, source: Source, target_region: str) -> Finding:
    found = _rule_to(entry, source, target_region)
    if isinstance(found, Finding):
        return Finding("unknown", f"no latency to read: {found.evidence}")
    rule_id, replica = found
    bucket = entry.names[source.reads.region]
    latency = source(lambda: source.reads.bucket_metrics.latency_seconds(bucket, replica, rule_id))
    if latency is None:
        return Finding("unknown", f"no ReplicationLatency datapoint for rule {rule_id} ({bucket} -> {replica})")
    within = latency <= plan.rpo_budget_seconds
    evidence = f"ReplicationLatency {latency:g} s, budget {plan.rpo_budget_seconds} s"
    return Finding("pass" if within else "fail", evidence)
