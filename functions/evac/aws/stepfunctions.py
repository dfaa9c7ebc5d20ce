"""Step Functions: starting an execution once per name (a watch per alarm change, a runbook per incident), and
answering a task that waits for a person."""

from __future__ import annotations

import json
from typing import Any

from evac.aws.clients import client
from evac.domain.ports import TaskClosedError


class StateMachine:
    def __init__(self, state_machine_arn: str) -> None:
        self.arn = state_machine_arn
        self._sfn = client("stepfunctions", state_machine_arn.split(":")[3])

    def start(self, name: str, payload: dict) -> tuple[str, bool]:
        """Start an execution named ``name``; returns (execution ARN, False if the name was already used).

        Step Functions refuses a second execution with the same name for 90 days, but answers a repeat of a running
        execution's exact name and input with success and that execution ("If StartExecution is called with the same
        name and input as a running execution, the call succeeds and return the same response as the original
        request", https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). So True
        means a new execution only if no earlier caller sent this ``payload``: callers make it unique per attempt.
        """
        try:
            started = self._sfn.start_execution(stateMachineArn=self.arn, name=name, input=json.dumps(payload))
        except self._sfn.exceptions.ExecutionAlreadyExists:
            return f"{self.arn.replace(':stateMachine:', ':execution:')}:{name}", False
        return str(started["executionArn"]), True


class TaskTokens:
    """Answering a task that waits for a callback (``.waitForTaskToken``): a person's approval or rejection."""

    def __init__(self, region: str) -> None:
        self._sfn = client("stepfunctions", region)

    def succeed(self, token: str, output: dict) -> None:
        self._answer(self._sfn.send_task_success, taskToken=token, output=json.dumps(output))

    def fail(self, token: str, error: str, cause: str) -> None:
        self._answer(self._sfn.send_task_failure, taskToken=token, error=error, cause=cause[:32_000])

    def _answer(self, call: Any, **kwargs: Any) -> None:
        errors = self._sfn.exceptions
        try:
            call(**kwargs)
        except (errors.TaskTimedOut, errors.InvalidToken, errors.TaskDoesNotExist) as exc:
            raise TaskClosedError(str(exc)) from exc
