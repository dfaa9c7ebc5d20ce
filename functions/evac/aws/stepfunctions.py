"""Step Functions: starting an execution once per name (a watch per alarm change, a runbook per incident)."""

from __future__ import annotations

import json

from evac.aws.clients import client


class StateMachine:
    def __init__(self, state_machine_arn: str) -> None:
        self.arn = state_machine_arn
        self._sfn = client("stepfunctions", state_machine_arn.split(":")[3])

    def start(self, name: str, payload: dict) -> tuple[str, bool]:
        """Start an execution named ``name``; returns (execution ARN, False if the name was already used).

        Step Functions refuses a second execution with the same name for 90 days (and answers a repeat of a running
        execution's exact start with that execution), so every duplicate delivery lands here and starts nothing.
        """
        try:
            started = self._sfn.start_execution(stateMachineArn=self.arn, name=name, input=json.dumps(payload))
        except self._sfn.exceptions.ExecutionAlreadyExists:
            return f"{self.arn.replace(':stateMachine:', ':execution:')}:{name}", False
        return str(started["executionArn"]), True
