"""S3: the buckets the model needs in the target region (artifacts, training data) and their replication."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code
from evac.domain.ports import BucketEncryption, ReplicationRule, StoredObject
from evac.errors import ResourceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterator

_NOT_FOUND = {"NoSuchBucket", "404", "NotFound"}


class S3Buckets:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self.region = region
        self._s3 = client("s3", region, probe=probe)

    def versioning(self, bucket: str) -> str:
        """``Enabled``, ``Suspended``, or ``Disabled`` (never enabled: S3 answers without a Status)."""
        with aws_errors(), self._named(bucket):
            return str(self._s3.get_bucket_versioning(Bucket=bucket).get("Status", "Disabled"))

    def encryption(self, bucket: str) -> BucketEncryption | None:
        """The default encryption (``aws:kms`` and its key, ``AES256``...); None only where S3 answers without one
        (never on AWS since January 2023: every bucket has SSE-S3)."""
        with aws_errors(), self._named(bucket):
            try:
                rules = self._s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
            except ClientError as exc:
                if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
                    return None
                raise
        defaults = [r["ApplyServerSideEncryptionByDefault"] for r in rules if "ApplyServerSideEncryptionByDefault" in r]
        if not defaults:
            return None
        return BucketEncryption(str(defaults[0]["SSEAlgorithm"]), defaults[0].get("KMSMasterKeyID"))

    def replication_rules(self, bucket: str) -> list[ReplicationRule]:
        """The bucket's replication rules, destinations as bucket names; empty if it replicates nowhere."""
        with aws_errors(), self._named(bucket):
            try:
                rules = self._s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
            except ClientError as exc:
                if error_code(exc) == "ReplicationConfigurationNotFoundError":
                    return []
                raise
        return [_rule(r) for r in rules]

    def stored(self, bucket: str, key: str) -> StoredObject | None:
        """What identifies the object (version, replication status, full-object checksum, ETag and how it was made),
        or None if the bucket has no such key. ``ChecksumMode=ENABLED`` asks HeadObject for the checksum
        (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html)."""
        with aws_errors():
            try:
                found = self._s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            except ClientError as exc:
                if error_code(exc) not in _NOT_FOUND:
                    raise
                self.versioning(bucket)  # HeadObject says 404 for a missing bucket too: this names the bucket
                return None
        return StoredObject(
            etag=str(found["ETag"]).strip('"'),
            version_id=found.get("VersionId"),
            replication_status=found.get("ReplicationStatus"),
            checksum=_checksum(found),
            encryption=found.get("ServerSideEncryption"),
            sse_customer=bool(found.get("SSECustomerAlgorithm")),
            last_modified=found.get("LastModified"),
        )

    def object_tags(self, bucket: str, key: str) -> dict[str, str]:
        with aws_errors(), self._named(bucket):
            tags = self._s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        return {t["Key"]: t["Value"] for t in tags}

    @contextmanager
    def _named(self, bucket: str) -> Iterator[None]:
        """S3's NoSuchBucket as ``ResourceNotFoundError`` naming the bucket."""
        try:
            yield
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucket":
                raise ResourceNotFoundError(f"bucket {bucket} does not exist ({self.region})") from exc
            raise


def _checksum(head: dict) -> str | None:
    """The object's full-object checksum as ``ALGORITHM:value``; a COMPOSITE one (of parts, ``...-<n>``) depends on
    how the object was split, so it identifies nothing across buckets."""
    if head.get("ChecksumType") == "COMPOSITE":
        return None
    for algorithm in ("SHA256", "SHA1", "CRC64NVME", "CRC32C", "CRC32"):
        value = head.get(f"Checksum{algorithm}")
        if value and "-" not in value:
            return f"{algorithm}:{value}"
    return None


def _rule(rule: dict) -> ReplicationRule:
    """A replication rule as ``ReplicationRule`` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRule.html):
    a V1 rule has ``Prefix``; a V2 rule a ``Filter`` of ``Prefix``, ``Tag`` or ``And``."""
    filtered = rule.get("Filter", {})
    both = filtered.get("And", {})
    tags = [filtered["Tag"]] if "Tag" in filtered else both.get("Tags", [])
    destination = rule["Destination"]
    arn = str(destination["Bucket"])  # arn:<partition>:s3:::<bucket>
    criteria = rule.get("SourceSelectionCriteria", {})
    return ReplicationRule(
        rule_id=str(rule.get("ID", "")),
        enabled=rule.get("Status") == "Enabled",
        destination_bucket=arn.rpartition(":::")[2],
        metrics_enabled=destination.get("Metrics", {}).get("Status") == "Enabled",
        prefix=str(rule.get("Prefix", filtered.get("Prefix", both.get("Prefix", ""))) or ""),
        tags=tuple((str(t["Key"]), str(t["Value"])) for t in tags),
        kms_objects=criteria.get("SseKmsEncryptedObjects", {}).get("Status") == "Enabled",
        destination_partition=arn.split(":")[1] if arn.startswith("arn:") else "aws",
        replica_kms_key=destination.get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID"),
        storage_class=destination.get("StorageClass"),
        priority=int(rule.get("Priority", 0)),
    )
