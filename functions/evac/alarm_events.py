"""The alarm event shapes the trigger accepts, as pydantic models (Powertools Parser's EventBridge model).

- ``CloudWatch Alarm State Change`` through EventBridge, for every alarm type: single metric, metric math,
  anomaly detection and composite (``configuration.alarmRule``; ``triggeringAlarms`` in the state's reasonData).
- The Lambda alarm action: an alarm's action pointing straight at the trigger (top-level ``alarmArn``,
  ``accountId``, ``alarmData``).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions-Lambda
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from evac.domain.trigger import AlarmSignal

StateValue = Literal["OK", "ALARM", "INSUFFICIENT_DATA"]


def _iso_text(value: object) -> object:
    """Both shapes carry ISO 8601 text; a number would otherwise parse as seconds since 1970."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 timestamp string")
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_text)]


class AlarmState(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: StateValue
    reason: str = Field(default="", max_length=10_000)
    # When the alarm entered this state, to the millisecond ("2019-10-02T17:04:40.985+0000"): the sustain window is
    # counted from it. Absent, the trigger counts from when it runs; malformed, the event is rejected.
    timestamp: Timestamp | None = None


class AlarmData(BaseModel):
    """``detail`` of the EventBridge event and ``alarmData`` of the Lambda action: the same fields."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    alarm_name: str = Field(alias="alarmName", min_length=1, max_length=255)
    state: AlarmState
    previous_state: AlarmState | None = Field(default=None, alias="previousState")


class AlarmStateChangeEvent(EventBridgeModel):
    """``CloudWatch Alarm State Change`` as EventBridge delivers it."""

    source: Literal["aws.cloudwatch"]
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    time: Timestamp
    detail: AlarmData

    def signal(self) -> AlarmSignal:
        return _signal(self.detail, region=self.region, account=self.account, at=self.time)


class AlarmActionEvent(BaseModel):
    """What CloudWatch sends when an alarm's action is the Lambda function itself."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    source: Literal["aws.cloudwatch"]
    alarm_arn: str = Field(alias="alarmArn", pattern=r"^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$")
    account_id: str = Field(alias="accountId", pattern=r"^\d{12}$")
    region: str = Field(min_length=1, max_length=32)
    time: Timestamp
    alarm_data: AlarmData = Field(alias="alarmData")

    def signal(self) -> AlarmSignal:
        return _signal(self.alarm_data, region=self.region, account=self.account_id, at=self.time)


class NotAStateChangeError(ValueError):
    """A well-formed event of another kind (e.g. ``CloudWatch Alarm Configuration Change``): ignored, not rejected."""


def parse_alarm_event(event: Any) -> AlarmSignal:
    """The alarm signal in ``event``, whichever accepted shape it has.

    Raises ``NotAStateChangeError`` for another EventBridge detail-type and pydantic's ``ValidationError`` (naming
    the fields) for anything malformed.
    """
    if isinstance(event, dict) and "alarmArn" in event:
        return AlarmActionEvent.model_validate(event).signal()
    if isinstance(event, dict) and isinstance(event.get("detail-type"), str):
        kind = event["detail-type"]
        if kind != "CloudWatch Alarm State Change" and event.get("source") == "aws.cloudwatch":
            raise NotAStateChangeError(f"detail-type {kind[:100]!r} is not an alarm state change")
    return AlarmStateChangeEvent.model_validate(event).signal()


def watch_name(signal: AlarmSignal) -> str:
    """The name of the execution that confirms this alarm state change: the same for every delivery of it."""
    at = signal.at.astimezone(UTC)
    digest = hashlib.sha256(f"{signal.account}|{signal.region}|{signal.name}|{at.isoformat()}".encode())
    return f"{at:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:24]}"


def _signal(data: AlarmData, *, region: str, account: str, at: Any) -> AlarmSignal:
    return AlarmSignal(
        name=data.alarm_name,
        region=region,
        account=account,
        state=data.state.value,
        previous_state=data.previous_state.value if data.previous_state else None,
        at=at,
        changed_at=data.state.timestamp,
    )


__all__ = ["AlarmStateChangeEvent", "NotAStateChangeError", "ValidationError", "parse_alarm_event", "watch_name"]
