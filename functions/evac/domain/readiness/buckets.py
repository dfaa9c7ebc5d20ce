"""S3 buckets the plan names: the replica is versioned and its encryption keeps it readable from the target, and the
source replicates to it (what its rules would really copy) in time.

- Replication needs versioning on both buckets
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html).
- Every bucket encrypts new objects with SSE-S3 at least, since 5 January 2023
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html), so "no default encryption"
  is not a finding on AWS. What can break a failover is a KMS key outside the target: the replica is readable only
  while that key's region answers. S3 also encrypts replicas with the rule's ``ReplicaKmsKeyID``, which must be in
  the destination bucket's region (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
- A rule replicates an object only if its filter (prefix, tags) selects it
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRuleFilter.html), an SSE-KMS object only with
  ``SourceSelectionCriteria.SseKmsEncryptedObjects`` Enabled
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_SourceSelectionCriteria.html), and stores the replica in the
  rule's storage class: GLACIER and DEEP_ARCHIVE replicas must be restored before SageMaker can read them
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Destination.html).
- A destination bucket ARN names its partition (``arn:aws-cn:s3:::...``); replication does not cross partitions
  (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from evac.domain.readiness.artifacts import S3_URL
from evac.domain.readiness.probes import Finding, catalogued
from evac.errors import EvacError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan, ReplicatedBucket
    from evac.domain.ports import ReplicationRule
    from evac.domain.readiness.probes import RegionReads, Source

ARCHIVED = {"GLACIER", "DEEP_ARCHIVE"}  # GLACIER_IR is read like any other class
KMS = {"aws:kms", "aws:kms:dsse"}


def partition(region: str) -> str:
    """The partition a region belongs to.

    >>> partition("us-west-2"), partition("cn-north-1"), partition("us-gov-west-1")
    ('aws', 'aws-cn', 'aws-us-gov')
    """
    for prefix, name in (
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
    ):
        if region.startswith(prefix):
            return name
    return "aws"


def key_region(kms_key: str | None) -> str | None:
    """The region of a KMS key given by ARN (``arn:aws:kms:<region>:...``); None for an id or alias (resolved in the
    bucket's own region)."""
    if kms_key and kms_key.startswith("arn:"):
        return kms_key.split(":")[3]
    return None


def bucket_checks(plan: RecoveryPlan, source: Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    for entry in plan.readiness.buckets:
        replica, bucket = entry.names[target.region], entry.names[source.reads.region]
        yield catalogued("s3.versioning", replica, partial(_versioning, target, replica), replica=replica)
        yield catalogued("s3.encryption", replica, partial(_encryption, target, replica), replica=replica)
        yield catalogued(
            "s3.replication",
            bucket,
            partial(_replication, plan, entry, source, target),
            bucket=bucket,
            replica=replica,
        )
        yield catalogued(
            "s3.replication_latency",
            bucket,
            partial(_replication_latency, plan, entry, source, target),
            replica=replica,
        )


def _versioning(target: RegionReads, bucket: str) -> Finding:
    status = target.buckets.versioning(bucket)
    return Finding("pass" if status == "Enabled" else "fail", f"{bucket} versioning is {status}")


def _encryption(target: RegionReads, bucket: str) -> Finding:
    found = target.buckets.encryption(bucket)
    if found is None or found.algorithm == "AES256":
        return Finding("pass", f"{bucket} encrypts with SSE-S3 (S3's default since January 2023): no key to lose")
    where = key_region(found.kms_key)
    if where is not None and where != target.region:
        return Finding("fail", f"{bucket} encrypts with {found.kms_key}, a key in {where}: unreadable if {where} fails")
    return Finding(
        "pass", f"{bucket} encrypts with {found.algorithm}, key {found.kms_key or 'aws/s3'} in {target.region}"
    )


def _artifact_keys(plan: RecoveryPlan, entry: ReplicatedBucket, target: RegionReads) -> list[str]:
    """The keys the target's endpoints load from this bucket pair (the same key in either bucket)."""
    keys: list[str] = []
    for endpoint in plan.inference.endpoints:
        try:
            spec = target.endpoints.spec(endpoint.name)
        except EvacError:  # the endpoint checks report it; here it only narrows what to look at
            continue
        for container in spec.containers(endpoint.variant):
            found = S3_URL.match(container.model_data_url or "")
            if found and found["bucket"] == entry.names[target.region] and found["key"] not in keys:
                keys.append(found["key"])
    return keys


def _rules_to(entry: ReplicatedBucket, source: Source, target: RegionReads) -> list[ReplicationRule] | Finding:
    bucket, replica = entry.names[source.reads.region], entry.names[target.region]
    rules = source(lambda: source.reads.buckets.replication_rules(bucket))
    to_replica = [r for r in rules if r.destination_bucket == replica]
    enabled = [r for r in to_replica if r.enabled]
    if not enabled:
        state = "a disabled rule" if to_replica else "no rule"
        return Finding("fail", f"{bucket} has {state} replicating to {replica}")
    return enabled


def _judge(rule: ReplicationRule, target: RegionReads, kms: bool) -> str | None:
    """Why ``rule`` replicates nothing usable to the target, or None."""
    if rule.destination_partition != (ours := partition(target.region)):
        return f"rule {rule.rule_id} replicates into partition {rule.destination_partition}, not {ours}"
    if kms and not rule.kms_objects:
        return f"rule {rule.rule_id} leaves out SSE-KMS objects (SourceSelectionCriteria.SseKmsEncryptedObjects off)"
    if (where := key_region(rule.replica_kms_key)) is not None and where != target.region:
        return f"rule {rule.rule_id} encrypts replicas with ReplicaKmsKeyID {rule.replica_kms_key}, a key in {where}"
    if rule.storage_class in ARCHIVED:
        return f"rule {rule.rule_id} stores replicas in {rule.storage_class}: they must be restored before use"
    return None


def _replication(plan: RecoveryPlan, entry: ReplicatedBucket, source: Source, target: RegionReads) -> Finding:
    found = _rules_to(entry, source, target)
    if isinstance(found, Finding):
        return found
    bucket, replica = entry.names[source.reads.region], entry.names[target.region]
    keys = _artifact_keys(plan, entry, target)
    objects = {key: source(partial(source.reads.buckets.stored, bucket, key)) for key in keys}
    default = source(lambda: source.reads.buckets.encryption(bucket))
    kms_default = default is not None and default.algorithm in KMS
    problems: list[str] = []
    unread: list[str] = []
    usable = [r for r in found if _judge(r, target, kms_default) is None]
    if not usable:
        return Finding("fail", "; ".join(str(_judge(r, target, kms_default)) for r in found))
    for key, stored in objects.items():
        kms = stored.encryption in KMS if stored is not None else kms_default
        tags = stored.tags if stored is not None else None
        if tags is None and stored is not None and any(r.tags for r in found):
            tags = source(partial(source.reads.buckets.object_tags, bucket, key))
        covering = [r for r in found if _judge(r, target, kms) is None]
        verdicts = [r.covers(key, tags) for r in covering]
        if True in verdicts:
            continue
        if None in verdicts:
            unread.append(key)
        else:
            why = "; ".join(str(_judge(r, target, kms)) for r in found if _judge(r, target, kms)) or "its filters"
            problems.append(f"{key} is not replicated ({why})")
    if problems:
        return Finding("fail", "; ".join(problems))
    if unread:
        return Finding("unknown", f"the tags of {unread} were not read: whether a tag filter selects them is unknown")
    covered = f", covering {', '.join(keys)}" if keys else ""
    return Finding("pass", f"rule {usable[0].rule_id} replicates {bucket} to {replica}{covered}")


def _replication_latency(plan: RecoveryPlan, entry: ReplicatedBucket, source: Source, target: RegionReads) -> Finding:
    found = _rules_to(entry, source, target)
    if isinstance(found, Finding):
        return Finding("unknown", f"no latency to read: {found.evidence}")
    rule_id, replica = found[0].rule_id, entry.names[target.region]
    bucket = entry.names[source.reads.region]
    latency = source(lambda: source.reads.bucket_metrics.latency_seconds(bucket, replica, rule_id))
    if latency is None:
        return Finding("unknown", f"no ReplicationLatency datapoint for rule {rule_id} ({bucket} -> {replica})")
    within = latency <= plan.rpo_budget_seconds
    evidence = f"ReplicationLatency {latency:g} s, budget {plan.rpo_budget_seconds} s"
    return Finding("pass" if within else "fail", evidence)
