"""The alarm event shapes the trigger accepts, as pydantic models (Powertools Parser's EventBridge model)."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from evac.domain.trigger import AlarmSignal


class AlarmState(BaseModel):
    model_config = ConfigDict(extra="allow")
    value: Literal["OK", "ALARM", "INSUFFICIENT_DATA"]
    reason: str = ""
    timestamp: str | None = None


class AlarmStateChangeDetail(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    alarm_name: str = Field(alias="alarmName", min_length=1, max_length=255)
    state: AlarmState
    previous_state: AlarmState | None = Field(default=None, alias="previousState")


class AlarmStateChangeEvent(EventBridgeModel):
    """``CloudWatch Alarm State Change`` as EventBridge delivers it."""

    source: Literal["aws.cloudwatch"]
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    time: AwareDatetime
    detail: AlarmStateChangeDetail

    def signal(self) -> AlarmSignal:
        return AlarmSignal(
            name=self.detail.alarm_name,
            region=self.region,
            account=self.account,
            state=self.detail.state.value,
            previous_state=self.detail.previous_state.value if self.detail.previous_state else None,
            at=self.time,
        )
