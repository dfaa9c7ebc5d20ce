"""EventBridge Scheduler: a schedule's state, and turning it on or off.

UpdateSchedule replaces the whole schedule ("all properties that you don't specify are set to their default
values", https://docs.aws.amazon.com/scheduler/latest/APIReference/API_UpdateSchedule.html): the schedule is read
and written back whole, with only its ``State`` changed.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code

# What UpdateSchedule takes back of what GetSchedule returns (the rest is state: ARN, creation and change dates).
_FIELDS = (
    "ActionAfterCompletion",
    "Description",
    "EndDate",
    "FlexibleTimeWindow",
    "GroupName",
    "KmsKeyArn",
    "Name",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "StartDate",
    "Target",
)


class Schedules:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._scheduler = client("scheduler", region, probe=probe)

    def state(self, name: str, group: str) -> str | None:
        """ENABLED or DISABLED; None if there is no such schedule."""
        found = self._get(name, group)
        return None if found is None else str(found.get("State", "ENABLED"))

    def set_enabled(self, name: str, group: str, enabled: bool) -> None:
        found = self._get(name, group)
        if found is None:
            return  # the domain read it first: a schedule deleted since has nothing to turn
        update = {k: found[k] for k in _FIELDS if found.get(k) is not None}
        with aws_errors():
            self._scheduler.update_schedule(**update, State="ENABLED" if enabled else "DISABLED")

    def _get(self, name: str, group: str) -> dict[str, Any] | None:
        with aws_errors():
            try:
                return dict(self._scheduler.get_schedule(Name=name, GroupName=group))
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise
