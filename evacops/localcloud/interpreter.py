"""The local cloud's seams into moto 5.2.5's Step Functions interpreter.

- Time: the interpreter sleeps ``Wait`` states (``WaitFunction._wait_interval``) and retry intervals (``time.sleep``
  in ``RetrierDecl``), bounds tasks and task-token waits by ``TimeoutSeconds`` (``Timeout``, events in
  ``execute_state`` and ``callback``), counts a ``Timestamp``/``TimestampPath`` wait from the machine's clock
  (``Timestamp._get_wait_seconds``) and stamps history events with ``datetime.now``, all in real time; here all of
  them run on the virtual clock, and each state entered costs a state transition's modelled latency
  (``CommonStateField._eval_body``), so the production ASL runs unchanged in modelled time.
- Definitions and clients: moto parses a definition each time it starts an execution and builds a boto3 client for
  each task; here once (``ParsedDefinitions``, ``SharedClients``).
- Paths and copies: moto parses a JSONPath (with ply) each time a state reads one, and copies a state's data with
  ``copy.deepcopy`` at every step, even to write it into a history event; here each path is parsed once, data is
  copied as the JSON it is, and not at all where it is only written out (``JsonData``).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import importlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

import boto3
from moto.stepfunctions.parser import models as parser_models
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.string import string_expression
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import Timeout
from moto.stepfunctions.parser.asl.component.state import state as state_module
from moto.stepfunctions.parser.asl.component.state.exec import execute_state
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import map_run_record
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.credentials import StateCredentials
from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval import states as states_module
from moto.stepfunctions.parser.asl.eval.callback import callback
from moto.stepfunctions.parser.asl.eval.event import event_manager
from moto.stepfunctions.parser.asl.utils import boto_client, json_path
from moto.stepfunctions.parser.backend import execution as execution_module
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from evacops.localcloud.reuse import program as parsed_program

# The interpreter's modules that stamp moments with ``datetime.datetime.now``.
_STAMPING = (event_manager, execution_module, parser_models, state_module, branches_decl, map_run_record)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from contextlib import ExitStack

    from evacops.localcloud.clock import VirtualClock
    from evacops.localcloud.deploy import Stack


class ParsedDefinitions:
    """moto parses a state machine's definition with ANTLR each time it starts an execution: about 50 ms for the
    runbook, three modelled seconds at 60x on every run's critical path (and a third of a wall second the first time),
    a cost Step Functions does not have. Here each definition is parsed once a process (``reuse``) and every execution
    runs its own deep copy of the parsed program (its components keep state while they run)."""

    def install(self, stack: ExitStack) -> None:
        definitions = self

        def entrypoint(worker: ExecutionWorker) -> Any:
            return definitions.program(worker._evaluation_details.state_machine_details.definition)

        stack.enter_context(patch.object(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint))

    def program(self, definition: str) -> Any:
        return copy.deepcopy(parsed_program(definition))

    def warm(self, stacks: Mapping[str, Stack]) -> None:
        """Parse every state machine deployed in ``stacks`` (region -> its stack) before the drill."""
        for machine in deployed_machines(stacks):
            self.program(machine.definition)


@dataclass(frozen=True)
class DeployedMachine:
    region: str
    role_arn: str
    definition: str  # the ASL, as DescribeStateMachine returns it

    def strings(self) -> Iterator[tuple[str, str]]:
        """Every string in the definition, with the key it is the value of."""
        return _walk(json.loads(self.definition))


def deployed_machines(stacks: Mapping[str, Stack]) -> Iterator[DeployedMachine]:
    """Every state machine deployed in ``stacks`` (region -> its stack), as the region's Step Functions describes it."""
    for region, deployed in stacks.items():
        sfn = boto3.client("stepfunctions", region)
        for arn in deployed.state_machine_arns.values():
            described = sfn.describe_state_machine(stateMachineArn=arn)
            yield DeployedMachine(region, described["roleArn"], described["definition"])


def _walk(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON document, with the key it is the value of (a list's items: the list's key)."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _walk(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key)
    elif isinstance(node, str):
        yield key, node


class SharedClients:
    """moto's interpreter builds a new boto3 client for every task it runs (each ``lambda:invoke`` of a Map iteration,
    each ``sns:publish``): a few ms of CPU each, in the one process the local cloud has, where Step Functions keeps its
    connections. Clients are thread-safe, so here the interpreter gets one per region and service, built once."""

    _PARSER = "moto.stepfunctions.parser.asl"
    _USERS = (  # the interpreter's modules that call boto_client_for
        "component.state.exec.state_task.lambda_eval_utils",
        *(
            f"component.state.exec.state_task.service.state_task_service_{name}"
            for name in ("aws_sdk", "batch", "dynamodb", "ecs", "events", "glue", "sfn", "sns", "sqs", "unsupported")
        ),
    )

    # A task's service by its Resource: an optimized integration (arn:aws:states:::sns:publish) or a function's ARN.
    _SERVICES: Final = {"lambda": "lambda", "dynamodb": "dynamodb", "sns": "sns", "states": "stepfunctions"}

    def __init__(self) -> None:
        self._built: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def install(self, stack: ExitStack) -> None:
        for module in self._USERS:
            user = importlib.import_module(f"{self._PARSER}.{module}")
            stack.enter_context(patch.object(user, "boto_client_for", self.client))

    @property
    def built(self) -> int:
        """How many clients were built."""
        return len(self._built)

    def client(self, region: str, service: str, state_credentials: Any = None) -> Any:
        """What the interpreter's ``boto_client_for`` returns: one client per region, service and credentials."""
        key = (region, service, repr(state_credentials))
        with self._lock:
            if key not in self._built:
                self._built[key] = boto_client.boto_client_for(region, service, state_credentials)
            return self._built[key]

    def warm(self, machines: Iterable[DeployedMachine]) -> None:
        """Build now the clients the tasks of every state machine of ``machines`` will ask for (with the machine's
        role, as the interpreter gives it): a cloud many drills are forked from builds them once, not in every child."""
        for machine in machines:
            credentials = StateCredentials(role_arn=machine.role_arn)
            for key, resource in machine.strings():
                integration = resource.partition("arn:aws:states:::")[2].split(":")[0]
                service = "lambda" if resource.startswith("arn:aws:lambda:") else self._SERVICES.get(integration)
                if key == "Resource" and service:
                    self.client(machine.region, service, credentials)


_IMMUTABLE = (str, int, float, bool, type(None))


def json_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:  # noqa: ARG001 - deepcopy's signature
    """A deep copy of JSON data (dicts, lists, strings, numbers, booleans, null), anything else by ``copy.deepcopy``.
    What a state passes to the next is JSON text in Step Functions (no value is shared by two places), so a copy
    without ``deepcopy``'s memo of shared objects is the same value, at a fifth of the cost."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


class JsonData:
    """moto's interpreter parses a JSONPath with jsonpath_ng (a ply parser, its tables read again each time) every time
    a state reads one, and deep-copies a state's data at each step: a third of the interpreter's CPU in a drill. Here a
    path is parsed once per process (the parsed expression is only read: ``find``, ``update_or_create``) and the
    copies are ``json_copy``. A state's entered and exited history events copy its whole input only to serialise it
    (``to_json_str``, which reads): there the input is read in place (``_WRITTEN_OUT``), a third of the copying's CPU
    (some 5% of a fault matrix case's)."""

    _COPYING = (states_module, string_expression, execute_state, result_path)
    _WRITTEN_OUT = ("_get_state_entered_event_details", "_get_state_exited_event_details")

    def install(self, stack: ExitStack) -> None:
        stack.enter_context(patch.object(json_path, "parse", _parsed(json_path.parse)))
        stack.enter_context(patch.object(result_path, "parse", _parsed(result_path.parse)))
        for module in self._COPYING:
            stack.enter_context(patch.object(module, "copy", SimpleNamespace(deepcopy=json_copy)))
        writing = threading.local()
        extract = states_module.States._extract

        def extracted(query: str | None, data: Any) -> Any:
            return data if query is None and getattr(writing, "out", False) else extract(query, data)

        def written_out(details: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
            def only_read(state: Any, env: Any) -> Any:
                writing.out = True
                try:
                    return details(state, env)
                finally:
                    writing.out = False

            return only_read

        stack.enter_context(patch.object(states_module.States, "_extract", staticmethod(extracted)))
        for name in self._WRITTEN_OUT:
            stack.enter_context(patch.object(CommonStateField, name, written_out(getattr(CommonStateField, name))))

    @staticmethod
    def warm(machines: Iterable[DeployedMachine]) -> None:
        """Parse now every path of every state machine of ``machines``: a reference path, a context object's path
        (``$$.``, read as a path of the context) and each one an intrinsic function is given; a ``ResultPath`` as
        the interpreter parses it. A cloud many drills are forked from parses them once, not in every child."""
        result_path.parse("$")  # a state's ResultPath where it names none
        for machine in machines:
            for key, text in machine.strings():
                paths = [text] if text.startswith("$") else _ARGUMENT_PATHS.findall(text) if "States." in text else []
                for path in paths:
                    parse = result_path.parse if key == "ResultPath" else json_path.parse
                    with contextlib.suppress(Exception):  # not a path after all (the interpreter never parses it)
                        parse(path.removeprefix("$") if path.startswith("$$") else path)


# A path an intrinsic function is given: States.Format('lock#{}', $.run.application)
_ARGUMENT_PATHS: Final = re.compile(r"\$\$?[^,)\s']*")


def _parsed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    return functools.lru_cache(maxsize=None)(parse)


def install_virtual_time(stack: ExitStack, clock: VirtualClock, state_transition: float) -> None:
    """Make the Step Functions interpreter wait, time out and stamp its history on ``clock``, and charge each state
    entered ``state_transition`` modelled seconds."""

    def wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:  # noqa: ARG001
        # StopExecution interrupts the wait, as in moto.
        clock.wait_until(lambda: not env.is_running(), wait_seconds)

    def timeout(self: Timeout, env: Any) -> None:
        # TimeoutSeconds bounds a task (and a waitForTaskToken callback): the ClockEvent it waits on counts modelled
        # seconds.
        env.stack.append(self._eval_seconds(env))

    def until(self: Timestamp, env: Any) -> float:
        # A Wait until a moment: the moment is a modelled one (steps stamp times with evac.clock), so is "now". It ends
        # at that moment (to the second: moto, as Step Functions, truncates the milliseconds), not at a whole number
        # of seconds from when the state was entered.
        self.string.eval(env=env)
        text: str = env.stack.pop()
        moment = self._from_timestamp_string(timestamp=text)
        if moment is None:
            raise FailureEventException(self._create_failure_event(env, text))
        return max(0.0, (moment.replace(tzinfo=UTC) - clock.now()).total_seconds())

    entered = CommonStateField._eval_body

    def transition(self: CommonStateField, env: Any) -> None:
        clock.sleep(state_transition)
        entered(self, env)

    stack.enter_context(patch.object(WaitFunction, "_wait_interval", wait_interval))
    stack.enter_context(patch.object(Timestamp, "_get_wait_seconds", until))
    stack.enter_context(patch.object(Timeout, "_eval_body", timeout))
    stack.enter_context(patch.object(CommonStateField, "_eval_body", transition))
    stack.enter_context(patch.object(retrier_decl, "time", SimpleNamespace(sleep=clock.sleep)))
    # A task's TimeoutSeconds and a task token's wait: events whose timed waits count modelled seconds.
    stack.enter_context(patch.object(execute_state, "threading", SimpleNamespace(Event=clock.event)))
    stack.enter_context(patch.object(callback, "Event", clock.event))
    # History events, execution and Map run dates: modelled moments, as evac's own records are.
    modelled = _modelled_datetime(clock)
    for module in _STAMPING:
        stack.enter_context(patch.object(module, "datetime", modelled))


def _modelled_datetime(clock: VirtualClock) -> SimpleNamespace:
    """The ``datetime`` module as moto's interpreter uses it, whose ``datetime.now()`` is the clock's moment."""

    class ModelledDatetime(datetime.datetime):
        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> ModelledDatetime:
            moment = clock.now()
            return moment if tz is not None else moment.replace(tzinfo=None)  # type: ignore[return-value]

    return SimpleNamespace(**{**vars(datetime), "datetime": ModelledDatetime})
