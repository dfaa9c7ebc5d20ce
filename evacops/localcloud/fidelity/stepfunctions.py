"""Step Functions' service integrations as AWS runs them: the ``startExecution`` integration's parameter names, the
error names a failed Task gets (moto 5.2.5: a throttled Lambda invoke is ``Exception``, an unreachable SNS the
uncatchable ``States.Runtime``), the terminal errors no ``Retry`` or ``Catch`` handles (``States.Runtime`` on a path
that does not resolve, ``States.DataLimitExceeded`` on a task's result over the payload quota; moto 5.2.5: a Task's
``Catch`` on ``States.ALL`` handles both), and the execution history's size limit (moto 5.2.5: none)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast
from unittest.mock import patch

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from moto.stepfunctions.parser.api import (
    ExecutionFailedEventDetails,
    HistoryEventType,
    LambdaFunctionFailedEventDetails,
    TaskFailedEventDetails,
)
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
    StateTaskServiceDynamoDB,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns import (
    StateTaskServiceSns,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
from moto.stepfunctions.parser.asl.utils.json_path import NoSuchJsonPathError
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

if TYPE_CHECKING:
    from contextlib import ExitStack

    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails


class StartExecutionIntegration:
    """The ``arn:aws:states:::states:startExecution`` integration takes ``StateMachineArn``, ``Name`` and ``Input``
    (connect-stepfunctions docs); moto 5.2.5 hands those names to boto3 unchanged, whose StartExecution members are
    ``stateMachineArn``, ``name`` and ``input``, and fails. Here the names are mapped before the call.
    """

    _MEMBERS: ClassVar[dict[str, str]] = {"StateMachineArn": "stateMachineArn", "Name": "name", "Input": "input"}

    def install(self, stack: ExitStack) -> None:
        members = self._MEMBERS
        original = StateTaskServiceSfn._eval_service_task

        def eval_service_task(task: StateTaskServiceSfn, **kwargs: Any) -> Any:
            if task._get_boto_service_action() == "start_execution":
                parameters = kwargs["normalised_parameters"]
                kwargs["normalised_parameters"] = {members.get(k, k): v for k, v in parameters.items()}
            return original(task, **kwargs)

        stack.enter_context(patch.object(StateTaskServiceSfn, "_eval_service_task", eval_service_task))


class StepFunctionsTaskErrors:
    """The error names Step Functions gives a Task that failed for a reason outside the task's own code.

    Lambda tasks: "Lambda errors are reported as Lambda.<exception>" - ``Lambda.TooManyRequestsException`` when
    Lambda throttles, ``Lambda.ServiceException`` on its 500s, ``Lambda.SdkClientException`` when the service could
    not be reached, and "unhandled errors ... including function timeouts" as ``Lambda.Unknown``
    (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). Optimized integrations
    name errors after the AWS SDK's exception class: ``DynamoDB.ConditionalCheckFailedException``,
    ``DynamoDB.InternalServerErrorException`` (DynamoDB's 500 code is ``InternalServerError``), ``SNS.<code>Exception``,
    and a client-side failure (timeout, no connection) the service's generic exception
    (``DynamoDB.AmazonDynamoDBException``, ``SNS.AmazonSNSException``)
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
    """

    def install(self, stack: ExitStack) -> None:
        lambda_original = StateTaskLambda._from_error
        dynamodb_original = StateTaskServiceDynamoDB._from_error
        sns_original = StateTaskServiceSns._from_error

        def lambda_from_error(task: StateTaskLambda, env: Any, ex: Exception) -> FailureEvent:
            if isinstance(ex, ClientError):
                name, cause = f"Lambda.{ex.response['Error']['Code']}", str(ex.response["Error"].get("Message", ""))
            elif isinstance(ex, HTTPClientError | BotoConnectionError):
                name, cause = "Lambda.SdkClientException", str(ex)
            elif isinstance(ex, lambda_eval_utils.LambdaFunctionErrorException) and "errorType" not in ex.payload:
                name, cause = "Lambda.Unknown", ex.payload
            else:
                return lambda_original(task, env, ex)
            details = LambdaFunctionFailedEventDetails(error=name, cause=cause)
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(name),
                event_type=HistoryEventType.LambdaFunctionFailed,
                event_details=cast("EventDetails", {"lambdaFunctionFailedEventDetails": details}),
            )

        def dynamodb_from_error(task: StateTaskServiceDynamoDB, env: Any, ex: Exception) -> FailureEvent:
            if isinstance(ex, ClientError) and ex.response["Error"]["Code"] == "InternalServerError":
                return _task_failed(task, env, "DynamoDB.InternalServerErrorException", str(ex))
            return dynamodb_original(task, env, ex)

        def sns_from_error(task: StateTaskServiceSns, env: Any, ex: Exception) -> FailureEvent:
            if isinstance(ex, HTTPClientError | BotoConnectionError):
                return _task_failed(task, env, "SNS.AmazonSNSException", str(ex))
            return sns_original(task, env, ex)

        stack.enter_context(patch.object(StateTaskLambda, "_from_error", lambda_from_error))
        stack.enter_context(patch.object(StateTaskServiceDynamoDB, "_from_error", dynamodb_from_error))
        stack.enter_context(patch.object(StateTaskServiceSns, "_from_error", sns_from_error))


def _task_failed(task: Any, env: Any, name: str, cause: str) -> FailureEvent:
    details = TaskFailedEventDetails(
        error=name, cause=cause, resource=task._get_sfn_resource(), resourceType=task._get_sfn_resource_type()
    )
    return FailureEvent(
        env=env,
        error_name=CustomErrorName(name),
        event_type=HistoryEventType.TaskFailed,
        event_details=cast("EventDetails", {"taskFailedEventDetails": details}),
    )


_DATA_LIMIT = StatesErrorName(typ=StatesErrorNameType.StatesStatesDataLimitExceeded)


class _UncatchableRuntimeError(BaseException):
    """Carries a terminal failure past the state's own ``Retry``/``Catch`` loop (which handles
    ``Exception``)."""

    def __init__(self, failure_event: FailureEvent) -> None:
        super().__init__(failure_event)
        self.failure_event = failure_event


class TerminalErrors:
    """Errors that fail the execution whatever the state's ``Retry`` and ``Catch`` say: "States.ALL ... cannot catch
    States.DataLimitExceeded terminal errors or Runtime error types", and "A States.Runtime error isn't retriable, and
    will always cause the execution to fail"
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).

    - A reference path that does not resolve in a Task's ``Parameters`` (an intrinsic function's argument included)
      or ``ResultSelector``: ``States.Runtime``. moto 5.2.5 hands the missing path to the task's own error naming
      (``DynamoDB.AmazonDynamoDBException`` for a DynamoDB task), where ``States.ALL`` catches it, so a runbook whose
      failure path formats a field a failed step never wrote looks fine.
    - A task's result over the payload quota (``PAYLOAD_LIMIT``; "the output of a connector is larger than payload
      size quota", the same page): ``States.DataLimitExceeded``. moto 5.2.5 names it so, then lets ``States.ALL``
      catch it (and its failure path trips on the reserved name), so a runbook that grows past the quota looked as if
      it had failed and recorded it; in AWS nothing after that state runs. (A state's own output over the quota
      already fails the execution in moto, outside the ``Catch``.)
    """

    def install(self, stack: ExitStack) -> None:
        evaluate = ExecutionState._evaluate_with_timeout
        eval_state = ExecutionState._eval_state

        def evaluate_with_timeout(state: ExecutionState, env: Any) -> None:
            try:
                evaluate(state, env)
            except NoSuchJsonPathError as missing:
                raise _UncatchableRuntimeError(_runtime_failure(env, missing, state.name)) from missing
            except FailureEventException as failed:
                if failed.failure_event.error_name != _DATA_LIMIT:
                    raise
                raise _UncatchableRuntimeError(failed.failure_event) from failed

        def eval_state_uncatchable(state: ExecutionState, env: Any) -> None:
            try:
                eval_state(state, env)
            except _UncatchableRuntimeError as failed:
                env.event_manager.add_event(
                    context=env.event_history_context,
                    event_type=failed.failure_event.event_type,
                    event_details=failed.failure_event.event_details,
                )
                raise FailureEventException(failure_event=failed.failure_event) from None

        stack.enter_context(patch.object(ExecutionState, "_evaluate_with_timeout", evaluate_with_timeout))
        stack.enter_context(patch.object(ExecutionState, "_eval_state", eval_state_uncatchable))


def _runtime_failure(env: Any, missing: NoSuchJsonPathError, state: str) -> FailureEvent:
    name = StatesErrorNameType.StatesRuntime.to_name()
    cause = f"An error occurred while executing the state '{state}'. {missing.message}"
    return FailureEvent(
        env=env,
        error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
        event_type=HistoryEventType.TaskFailed,
        event_details=cast("EventDetails", {"taskFailedEventDetails": TaskFailedEventDetails(error=name, cause=cause)}),
    )


# "Maximum execution history size: 25,000 events. If the execution history reaches this quota the execution fails."
# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (a hard quota: no increase).
HISTORY_LIMIT = 25_000
HISTORY_LIMIT_ERROR = "States.Runtime"
# "Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string"
# (the same page; a hard quota). moto 5.2.5 measures it itself (``States.DataLimitExceeded``); ``TerminalErrors``
# makes a task's result over it end the execution, as AWS does.
PAYLOAD_LIMIT = 256 * 1024


class ExecutionHistoryLimit:
    """A Standard execution whose history reaches ``HISTORY_LIMIT`` events fails, whatever its ``Catch`` says:
    "Maximum execution history size: 25,000 events. If the execution history reaches this quota the execution fails"
    (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). moto 5.2.5 keeps adding events
    forever, so a runbook that polls too often looks fine locally and fails on AWS with no record and the lock held.

    The limit is read when each event is added (a test may lower it); the execution fails with ``States.Runtime``
    and a cause naming the limit, the state it was in stops where it is, and nothing after it runs.
    """

    def install(self, stack: ExitStack) -> None:
        roots: dict[int, Environment] = {}  # an execution's event manager (its frames share it) -> its root environment
        failed: set[int] = set()
        make_environment = ExecutionWorker._get_evaluation_environment
        add_event = EventManager.add_event
        set_error = Environment.set_error

        def evaluation_environment(worker: ExecutionWorker) -> Environment:
            env = make_environment(worker)
            roots[id(env.event_manager)] = env
            return env

        def add_event_limited(manager: EventManager, *args: Any, **kwargs: Any) -> int:
            event_id = add_event(manager, *args, **kwargs)
            env = roots.get(id(manager))
            if env is not None and event_id >= HISTORY_LIMIT and id(env) not in failed:
                failed.add(id(env))
                cause = f"The execution reached the maximum execution history size of {HISTORY_LIMIT} events."
                set_error(env, ExecutionFailedEventDetails(error=HISTORY_LIMIT_ERROR, cause=cause))
            return event_id

        def set_error_once(env: Environment, error: ExecutionFailedEventDetails) -> None:
            # what failed an execution at the limit stays its error: a state stopped mid-way may report its own
            if id(env) not in failed:
                set_error(env, error)

        stack.enter_context(patch.object(ExecutionWorker, "_get_evaluation_environment", evaluation_environment))
        stack.enter_context(patch.object(EventManager, "add_event", add_event_limited))
        stack.enter_context(patch.object(Environment, "set_error", set_error_once))
