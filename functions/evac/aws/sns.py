"""SNS: notifications to the people on call."""

from __future__ import annotations

from evac.aws.clients import client

SUBJECT_LIMIT = 100  # SNS rejects longer subjects


class Notifier:
    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn
        self._sns = client("sns", topic_arn.split(":")[3])

    def publish(self, subject: str, message: str) -> None:
        self._sns.publish(TopicArn=self.topic_arn, Subject=subject[:SUBJECT_LIMIT], Message=message)
