"""Amazon EventBridge: a rule's state on its event bus, and turning it on or off.

DescribeRule reports ``State``: ``ENABLED``, ``DISABLED`` or ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeRule.html); EnableRule and DisableRule
change the state only (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_EnableRule.html,
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DisableRule.html), so nothing else of the rule is
written back.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code


class Rules:
    def __init__(self, region: str, *, probe: bool = False) -> None:
        self._events = client("events", region, probe=probe)

    def state(self, name: str, bus: str) -> str | None:
        """The rule's ``State``; None if there is no such rule on the bus."""
        with aws_errors():
            try:
                found = self._events.describe_rule(Name=name, EventBusName=bus)
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None
                raise
        return str(found.get("State", "ENABLED"))

    def set_enabled(self, name: str, bus: str, enabled: bool) -> None:
        with aws_errors():
            try:
                if enabled:
                    self._events.enable_rule(Name=name, EventBusName=bus)
                else:
                    self._events.disable_rule(Name=name, EventBusName=bus)
            except ClientError as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise  # the domain read it first: a rule deleted since has nothing to turn
