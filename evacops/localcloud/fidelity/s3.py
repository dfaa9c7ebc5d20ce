"""S3 as readiness meets it on AWS: default encryption, KMS ETags, and replication that copies what its rules allow
(moto 5.2.5: no default encryption, MD5 ETags for every object, replication rules stored but never applied, and
``GetBucketReplication`` answering without the rules' filters and ``SourceSelectionCriteria``).

- Default encryption: every bucket encrypts new objects with SSE-S3 unless configured otherwise, and
  ``GetBucketEncryption`` says so (S3 User Guide, "Setting default server-side encryption behavior for Amazon S3
  buckets": since 5 January 2023).
- ETags: an object stored with SSE-KMS gets an ETag that is not the MD5 of its data (S3 API reference, ``Object``):
  here a digest of the bucket, version and data, so the same bytes in two buckets have two ETags, as on AWS.
- Replication (S3 User Guide, "Replicating objects within and across Regions"; S3 API reference,
  ``ReplicationRule``, ``ReplicationRuleFilter``, ``SourceSelectionCriteria``): a new object is copied to the
  destination of each enabled rule whose filter (prefix, tags) selects it, an SSE-KMS object only when the rule
  opts in with ``SseKmsEncryptedObjects`` (re-encrypted with ``ReplicaKmsKeyID``). The replica keeps the source's
  version id; HeadObject answers ``x-amz-replication-status`` ``REPLICA`` on it and ``COMPLETED`` on the source
  ("Getting replication status information"). Objects written before the rule are not replicated. Replication is
  immediate here (RTC: most objects in seconds); ``ReplicationLatency`` is seeded as a metric.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.s3.models import FakeKey, S3Backend
from moto.s3.responses import S3Response

if TYPE_CHECKING:
    from contextlib import ExitStack

KMS = ("aws:kms", "aws:kms:dsse")


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _filter_of(rule: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The prefix and tags a rule selects on (a V1 rule's ``Prefix``, or a V2 ``Filter``)."""
    if "Prefix" in rule and "Filter" not in rule:
        return str(rule["Prefix"] or ""), {}
    found = rule.get("Filter") or {}
    both = found.get("And") or {}
    tags = _listed(found.get("Tag")) + _listed(both.get("Tag"))
    prefix = found.get("Prefix") or both.get("Prefix") or ""
    return str(prefix), {str(t["Key"]): str(t["Value"]) for t in tags}


def _selects(rule: dict[str, Any], key: FakeKey, tags: dict[str, str]) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    prefix, wanted = _filter_of(rule)
    if not key.name.startswith(prefix) or any(tags.get(k) != v for k, v in wanted.items()):
        return False
    if key.encryption in KMS:
        criteria = (rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects") or {}
        return bool(criteria.get("Status") == "Enabled")
    return True


def _kms_etag(bucket: str, key: FakeKey) -> str:
    return hashlib.md5(
        f"{bucket}/{key.name}/{key.version_id}/{key.value!r}".encode(), usedforsecurity=False
    ).hexdigest()


class S3Replication:
    """Default SSE-S3, per-bucket ETags for SSE-KMS objects, and replication as the bucket's rules allow."""

    def install(self, stack: ExitStack) -> None:
        original_put = S3Backend.put_object
        original_put_response = S3Response.put_object
        original_response_dict = FakeKey.response_dict
        original_encryption = S3Response.get_bucket_encryption

        def put_object(backend: S3Backend, bucket_name: str, key_name: str, value: bytes, **kwargs: Any) -> FakeKey:
            bucket = backend.get_bucket(bucket_name)
            if not kwargs.get("encryption") and not bucket.encryption:
                kwargs["encryption"] = "AES256"  # S3's default since January 2023
            key = original_put(backend, bucket_name, key_name, value, **kwargs)
            if key.encryption in KMS:
                key._etag = _kms_etag(bucket_name, key)
            return key

        def put_object_response(response: S3Response) -> Any:
            answer = original_put_response(response)
            if not any(h in response.headers for h in ("x-amz-copy-source",)):
                _replicate(response.backend, response.bucket_name, response.parse_key_name())
            return answer

        def response_dict(key: FakeKey) -> dict[str, Any]:
            found = dict(original_response_dict.fget(key))  # type: ignore[attr-defined]
            if status := getattr(key, "evac_replication_status", None):
                found["x-amz-replication-status"] = status
            return found

        def get_bucket_encryption(response: S3Response) -> Any:
            if response.backend.get_bucket_encryption(response.bucket_name):
                return original_encryption(response)
            response.data["Action"] = "GetBucketEncryption"
            rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
            return response.serialized(ActionResult({"ServerSideEncryptionConfiguration": {"Rules": [rule]}}))

        stack.enter_context(patch.object(S3Backend, "put_object", put_object))
        stack.enter_context(patch.object(S3Response, "put_object", put_object_response))
        stack.enter_context(patch.object(FakeKey, "response_dict", property(response_dict)))
        stack.enter_context(patch.object(S3Response, "get_bucket_replication", _get_bucket_replication))
        stack.enter_context(patch.object(S3Response, "get_bucket_encryption", get_bucket_encryption))


def _get_bucket_replication(response: S3Response) -> Any:
    """The configuration as it was put: filters, ``SourceSelectionCriteria`` and the whole destination."""
    response.data["Action"] = "GetBucketReplication"
    replication = response.backend.get_bucket_replication(response.bucket_name)
    if not replication:
        from moto.s3.exceptions import ReplicationConfigurationNotFoundError

        raise ReplicationConfigurationNotFoundError(bucket_name=response.bucket_name)
    keep = ("ID", "Priority", "Status", "Prefix", "Filter", "SourceSelectionCriteria", "DeleteMarkerReplication")
    rules = []
    for rule in replication["Rule"]:
        shown = {k: rule[k] for k in keep if rule.get(k) is not None}
        if "Prefix" not in shown and "Filter" not in shown:
            shown["Filter"] = {"Prefix": ""}
        shown["Destination"] = rule["Destination"]
        rules.append(shown)
    config = {"Role": replication["Role"], "Rules": rules}
    return response.serialized(ActionResult({"ReplicationConfiguration": config}))


def _replicate(backend: S3Backend, bucket_name: str, key_name: str) -> None:
    """Copy the object just written to each destination whose rule selects it."""
    bucket = backend.get_bucket(bucket_name)
    replication = getattr(bucket, "replication", None)
    key = bucket.keys.get(key_name) if replication else None
    if not replication or key is None:
        return
    tags = {t["Key"]: t["Value"] for t in backend.get_object_tagging(key).get("Tags", [])}
    for rule in replication["Rule"]:
        if not _selects(rule, key, tags):
            continue
        destination = rule["Destination"]
        target = str(destination["Bucket"]).rpartition(":::")[2]
        replica_key = (destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
        kms = key.encryption in KMS
        replica = backend.put_object(
            target,
            key.name,
            key.value,
            storage=destination.get("StorageClass"),
            encryption=key.encryption if kms else "AES256",
            kms_key_id=replica_key if kms else None,
        )
        replica._version_id = key.version_id  # a replica keeps its source's version id
        if kms:
            replica._etag = _kms_etag(target, replica)
        if tags:
            backend.put_object_tagging(replica, tags)
        replica.evac_replication_status = "REPLICA"  # type: ignore[attr-defined]
        key.evac_replication_status = "COMPLETED"
