"""Amazon SNS as an AWS service publishes to it: a CloudWatch alarm's notification reaches an encrypted topic only
if the topic's key lets CloudWatch use it (moto 5.2.5 publishes nothing for alarms, and checks no key)."""

from __future__ import annotations

from dataclasses import dataclass, field

from moto.kms.models import kms_backends
from moto.sns.models import sns_backends

AWS_MANAGED_ALIAS = "alias/aws/"


@dataclass
class ServicePublishes:
    """What AWS services (here CloudWatch alarms) publish to topics, and what SNS refused.

    "Some AWS services publish to Amazon SNS topics ... if the topic is encrypted, you must use a customer managed
    key and add to its key policy the service principal with ``kms:GenerateDataKey*`` and ``kms:Decrypt``"; the AWS
    managed key for SNS (``alias/aws/sns``) has a key policy nobody can change, so a CloudWatch alarm cannot publish to
    a topic under it and its notification is dropped without any error to the alarm's owner
    (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    """

    refused: list[tuple[str, str]] = field(default_factory=list)  # (topic ARN, why)

    def publish(self, principal: str, topic_arn: str, subject: str, message: str) -> bool:
        """Publish ``message`` as the service ``principal`` (``cloudwatch.amazonaws.com``); False if SNS refused."""
        region, account = topic_arn.split(":")[3:5]
        topic = sns_backends[account][region].topics.get(topic_arn)
        if topic is None:
            self.refused.append((topic_arn, "no such topic"))
            return False
        why = _key_refuses(topic.kms_master_key_id, account, region, principal)
        if why:
            self.refused.append((topic_arn, why))
            return False
        topic.publish(message, subject=subject)
        return True


def _key_refuses(key_id: str, account: str, region: str, principal: str) -> str:
    """Why the topic's key does not let ``principal`` encrypt for it; empty if it does (or there is no key)."""
    if not key_id:
        return ""
    if key_id.startswith(AWS_MANAGED_ALIAS):
        return f"{key_id} is an AWS managed key: its policy cannot let {principal} use it"
    backend = kms_backends[account][region]
    try:
        key = backend.describe_key(key_id)
    except Exception:  # noqa: BLE001 - moto raises its own NotFound types; a key that is not there refuses
        return f"{key_id} is not a key in {region}"
    if key.key_manager == "AWS":
        return f"{key_id} is an AWS managed key: its policy cannot let {principal} use it"
    if principal not in key.policy:
        return f"the policy of {key_id} does not name {principal}"
    return ""
