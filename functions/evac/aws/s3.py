"""S3: the buckets the model needs in the target region (artifacts, training data) and their replication."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code
from evac.domain.ports import ReplicationRule, StoredObject
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

    def encryption(self, bucket: str) -> str | None:
        """The default encryption algorithm (``aws:kms``, ``AES256``...), or None if the bucket has none."""
        with aws_errors(), self._named(bucket):
            try:
                rules = self._s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
            except ClientError as exc:
                if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
                    return None
                raise
        defaults = [r["ApplyServerSideEncryptionByDefault"] for r in rules if "ApplyServerSideEncryptionByDefault" in r]
        return str(defaults[0]["SSEAlgorithm"]) if defaults else None

    def replication_rules(self, bucket: str) -> list[ReplicationRule]:
        """The bucket's replication rules, destinations as bucket names; empty if it replicates nowhere."""
        with aws_errors(), self._named(bucket):
            try:
                rules = self._s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
            except ClientError as exc:
                if error_code(exc) == "ReplicationConfigurationNotFoundError":
                    return []
                raise
        return [
            ReplicationRule(
                rule_id=str(r.get("ID", "")),
                enabled=r.get("Status") == "Enabled",
                destination_bucket=r["Destination"]["Bucket"].rpartition(":::")[2],  # arn:<partition>:s3:::<bucket>
                metrics_enabled=r["Destination"].get("Metrics", {}).get("Status") == "Enabled",
            )
            for r in rules
        ]

    def stored(self, bucket: str, key: str) -> StoredObject | None:
        """The object's ETag and version, or None if the bucket has no such key."""
        with aws_errors():
            try:
                found = self._s3.head_object(Bucket=bucket, Key=key)
            except ClientError as exc:
                if error_code(exc) not in _NOT_FOUND:
                    raise
                self.versioning(bucket)  # HeadObject says 404 for a missing bucket too: this names the bucket
                return None
        return StoredObject(etag=str(found["ETag"]).strip('"'), version_id=found.get("VersionId"))

    @contextmanager
    def _named(self, bucket: str) -> Iterator[None]:
        """S3's NoSuchBucket as ``ResourceNotFoundError`` naming the bucket."""
        try:
            yield
        except ClientError as exc:
            if error_code(exc) == "NoSuchBucket":
                raise ResourceNotFoundError(f"bucket {bucket} does not exist ({self.region})") from exc
            raise
