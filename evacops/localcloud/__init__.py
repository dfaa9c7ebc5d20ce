"""The local cloud: two AWS regions in one process, on moto, with evac's fidelity extensions and a virtual clock.

It deploys the real ``template.yaml`` in both regions (the real ASL, the real handlers), seeds the application the
plan describes, and lets drills raise alarms and follow runbooks::

    with LocalCloud(plan) as cloud:  # a RecoveryPlan, or the path of a plan file
        cloud.alarms.set_state("us-east-1", "fraud-scoring-inference-5xx", "ALARM")
        cloud.quiesce()
        assert cloud.truth.writer_regions() == ["us-west-2"]

What it observes (``writer_region``, ``dns_region``, ``endpoints``, ``executions``...) is ground truth, read from the
simulator's own state (``cloud.truth``), never through evac's adapters. A plan it cannot model (a region outside the
commercial partition, a set-up moto refuses) is one ``UnsupportedSetupError`` (``evacops.localcloud.support``).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
import threading
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from moto import mock_aws

from evac import clock as evac_clock
from evac.domain.plan import DEFAULT_PLAN, RecoveryPlan, load_plan
from evacops.localcloud.alarms import AlarmEvents
from evacops.localcloud.clock import Timeline, VirtualClock
from evacops.localcloud.deploy import ACCOUNT, Stack, deploy
from evacops.localcloud.faults import FaultInjector, StateMachineContext
from evacops.localcloud.fidelity import (
    AlarmActions,
    AlarmEvaluation,
    AlarmStateClock,
    AuroraGlobalFailover,
    DynamoDBGlobalTables,
    ExecutionHistoryLimit,
    InferenceComponentVariants,
    Latencies,
    Route53Propagation,
    S3Replication,
    SageMakerQuotas,
    SageMakerScaling,
    ServicePublishes,
    StartExecutionIntegration,
    StepFunctionsTaskErrors,
    TerminalErrors,
)
from evacops.localcloud.fidelity.arc import RoutingControlCluster
from evacops.localcloud.fidelity.arc_region_switch import RegionSwitch
from evacops.localcloud.fidelity.aurora_writes import AuroraWrites
from evacops.localcloud.fidelity.autoscaling import ScalableTargetPermissions
from evacops.localcloud.fidelity.drain_alarms import MetricAlarmEvaluator
from evacops.localcloud.fidelity.ec2_autoscaling import AutoScalingLaunches
from evacops.localcloud.fidelity.ecs import EcsTaskStarts
from evacops.localcloud.fidelity.health_checks import Route53HealthChecks
from evacops.localcloud.fidelity.scheduler import Schedules
from evacops.localcloud.interpreter import JsonData, ParsedDefinitions, SharedClients, install_virtual_time
from evacops.localcloud.per_call import remember_per_call_work
from evacops.localcloud.reuse import (
    new_sessions,
    quiet_collector,
    share_harness_clients,
    share_service_models,
    validate_once,
)
from evacops.localcloud.runtime import LambdaRuntime, quiet_handler_logs
from evacops.localcloud.seed import seed, seed_quotas
from evacops.localcloud.serving import serve
from evacops.localcloud.support import check_plan, setup_failure
from evacops.localcloud.threads import await_threads_since, execution_ended, history_since, stop_running_executions
from evacops.localcloud.truth import GroundTruth
from evacops.stack.parameters import stack_parameters

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

# Where a served local cloud says how to reach it (see ``serve``).
SERVED = Path(".evac") / "localcloud.json"
# How often observers look again at what they wait for, in modelled seconds (an execution's end wakes them at once).
_POLL = 5.0

_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MOTO_ACCOUNT_ID": ACCOUNT,
    "POWERTOOLS_SERVICE_NAME": "evac",  # as template.yaml's Globals set them: Powertools reads them at import
    "POWERTOOLS_METRICS_NAMESPACE": "evac",
    "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
    "POWERTOOLS_METRICS_DISABLED": "true",  # EMF goes to stdout; the drill's output is for people
}


class LocalCloud:
    """Two regions of one simulated account, for the life of a ``with`` block: the plan's application seeded, the
    stack deployed in both, faults on demand (``faults``), alarms (``alarms``) and ground truth (``truth``)."""

    def __init__(
        self,
        plan: RecoveryPlan | str | Path = DEFAULT_PLAN,
        *,
        latencies: Latencies | None = None,
        log_file: Path | None = None,
        pace: float | None = None,
        without_schedules: Iterable[str] = (),
    ) -> None:
        # The plan is handed to the template as a file (its PlanFile parameter, the functions' EVAC_PLAN): a plan
        # given as an object is written once, when the cloud starts (``_plan_file``).
        self.plan_path: Path | None = None if isinstance(plan, RecoveryPlan) else Path(plan).resolve()
        self.plan: RecoveryPlan = plan if isinstance(plan, RecoveryPlan) else load_plan(Path(plan))
        check_plan(self.plan)  # any two commercial regions; anything else is one UnsupportedSetupError
        self.clock = VirtualClock(pace=pace)  # pace: modelled seconds per wall second at most (a person answers)
        self.timeline = Timeline(self.clock)
        self.latencies = latencies or Latencies()
        self.runtime = LambdaRuntime(self.clock, self.latencies)
        self.definitions = ParsedDefinitions()
        self.task_clients = SharedClients()  # the interpreter's clients, built once each
        self.paths = JsonData()  # the interpreter's paths, parsed once each, and its copies of a state's data
        self.route53 = Route53Propagation(self.timeline, self.latencies)
        self.sagemaker = SageMakerScaling(self.timeline, self.latencies)  # .capacity[(region, type)]: absent is no cap
        self.publishes = ServicePublishes()  # what AWS services published to topics, and what SNS refused
        self.quotas = SageMakerQuotas()
        self.scalable_targets = ScalableTargetPermissions(
            self.runtime.current, lambda r: self.parameters(r, self.zone_id)
        )
        self.stacks: dict[str, Stack] = {}
        self.states = StateMachineContext()
        self.faults = FaultInjector(
            self.clock,
            self.runtime.stack_function,
            self._state_machine,
            functions=self.runtime.logical_id,
            invocation=self.runtime.current_invocation,
            where=self.runtime.current_region,
            stop_if_timed_out=self.runtime.stop_if_timed_out,
            latency=self.latencies.api,
        )
        self.alarms = AlarmEvents(
            self.clock, self.stacks, dark=self.faults.dark, delivery=self.latencies.eventbridge_delivery
        )
        # Route 53's data plane: ARC routing controls, health checks that are evaluated, DNS answers (truth.dns_region)
        self.routing = RoutingControlCluster()
        self.health_checks = Route53HealthChecks(ACCOUNT, self.routing, self.faults.dark)
        self.region_switch = RegionSwitch(self.clock, self.latencies, self.health_checks, self.routing, ACCOUNT)
        # the write workload on the global database's writer (what a failover loses: truth.rpo)
        self.writes = AuroraWrites(self.timeline, self.latencies.aurora_replication_lag, self.faults.blackouts.get)
        self.truth = GroundTruth(self.plan, self.timeline, self.stacks, resolver=self.health_checks, writes=self.writes)
        # without_schedules: functions (logical ids) whose schedules do not run here (``Schedules.skipped``)
        self.schedules = Schedules(self.clock, self.stacks, dark=self.faults.dark, skipped=frozenset(without_schedules))
        self.log_file = log_file
        self.zone_id = ""
        self._exit = ExitStack()  # the set-up (``prepare``)
        self._running = ExitStack()  # what runs on the clock (``start``)

    # --- lifecycle ---------------------------------------------------------------------------------------------------
    def __enter__(self) -> LocalCloud:
        try:
            self.prepare().start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.close()  # what ``start`` started first (it is the set-up's last part), then the set-up

    def prepare(self) -> LocalCloud:
        """Set the cloud up (patches, moto's account seeded, the stack deployed, the handlers warmed) without starting
        a thread: a prepared cloud can be forked (``evacops.localcloud.fork``); ``start`` makes it run."""
        stack = self._exit
        try:
            stack.enter_context(patch.dict(os.environ, _ENVIRONMENT))
            stack.enter_context(warnings.catch_warnings())
            # A step that adds no metric (the trigger ignoring an event) makes Powertools warn; in AWS it is a log line.
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
            # Sessions carry botocore's built-in handlers from their creation: the fault hooks first, then new ones;
            # when the cloud closes, new ones again once the hooks are gone (none made then keeps the cloud alive).
            stack.callback(new_sessions)
            self.faults.install(stack)
            # ARC's cluster answers at its endpoints in a built-in handler too: after the faults (a dark region's
            # endpoint times out), before the sessions are made (evac's clients are made from them)
            self.routing.install(stack)
            self.states.install(stack)
            share_service_models(stack)  # the sessions made from now on parse botocore's models once per process
            new_sessions()
            share_harness_clients(stack)  # made from the sessions now current, dropped when the cloud closes
            evac_clock.use(self.clock.now)
            stack.callback(evac_clock.use, None)
            evac_clock.use_stopwatch(self.clock.elapsed)  # a canary's latency: what the endpoint is modelled to take
            stack.callback(evac_clock.use_stopwatch, None)
            install_virtual_time(stack, self.clock, self.latencies.state_transition)
            self.runtime.install(stack)
            self.definitions.install(stack)
            self.task_clients.install(stack)
            self.paths.install(stack)
            validate_once(stack)
            self._install_fidelity(stack)
            remember_per_call_work(stack)  # after every patch of moto's response classes
            quiet_handler_logs(stack, self.log_file)
            # What it takes to start (moto's backends, service models, parsed definitions: most of the process's
            # objects) lives as long as the cloud: the garbage collector need not walk it, then or again.
            with quiet_collector():
                try:
                    self._seed_and_deploy()
                except (ClientError, BotoCoreError) as exc:
                    raise setup_failure(self.plan, exc) from None
                self.runtime.warm(tuple(self.plan.vantages))
                self.definitions.warm(self.stacks)
                gc.freeze()
            stack.callback(gc.unfreeze)
        except BaseException:
            stack.close()
            raise
        return self

    def start(self) -> None:
        """Start what runs on the modelled clock (schedules, alarm evaluation); ``close_running`` stops it."""
        stack = self._exit.enter_context(self._running)
        try:
            # Run on exit (last registered, first run) before the patches and the mock come off: no runbook outlives
            # its cloud, and no invocation still in flight outlives it either.
            threads = set(threading.enumerate())
            stack.callback(await_threads_since, threads)
            stack.callback(self.runtime.close)
            stack.callback(self.clock.close)  # every wait ends at once: the stopped executions' threads wind down
            stack.callback(stop_running_executions, self.stacks, self.clock)
            # Last, so they stop first: schedules (the probes, readiness) and alarm evaluation on the modelled clock.
            self.schedules.install(stack)
            alarms = AlarmEvaluation(self.clock, lambda: list(self.stacks), self._alarm_changed, dark=self.faults.dark)
            alarms.install(stack)
        except BaseException:
            stack.close()
            raise

    def close_running(self) -> None:
        """Stop what ``start`` started; the set-up stays (a forked drill's process ends right after)."""
        self._running.close()

    def _install_fidelity(self, stack: ExitStack) -> None:
        """What AWS does that moto does not (``fidelity``), patched in for the life of the cloud."""
        AuroraGlobalFailover(self.timeline, self.latencies, self.writes).install(stack)
        S3Replication().install(stack)
        InferenceComponentVariants().install(stack)
        self.sagemaker.install(stack)
        self.route53.install(stack)
        AlarmStateClock(self.timeline).install(stack)
        AlarmActions(self.publishes).install(stack)
        self.health_checks.install(stack)
        MetricAlarmEvaluator.for_plan(self.timeline, self.plan).install(stack)
        StartExecutionIntegration().install(stack)
        self.quotas.install(stack)
        for replicas_or_capacity in (DynamoDBGlobalTables, EcsTaskStarts, AutoScalingLaunches):
            replicas_or_capacity(self.timeline, self.latencies).install(stack)
        StepFunctionsTaskErrors().install(stack)
        TerminalErrors().install(stack)
        ExecutionHistoryLimit().install(stack)
        self.scalable_targets.install(stack)

    def _seed_and_deploy(self) -> None:
        """The plan's application seeded, then the stack deployed in both regions."""
        seed_quotas(self.plan, self.quotas)
        self.zone_id = zone_id = seed(
            self.plan,
            self.clock,
            self.timeline,
            health=self.health_checks,
            routing=self.routing,
            replication_lag=self.latencies.aurora_replication_lag,
        )
        self.route53.observe = self.truth.world  # every DNS change from now on keeps the ground truth it was made in
        for region in self.plan.vantages:  # the plan's two regions, and its witness (probes only) if any
            self.stacks[region] = deploy(region, self.parameters(region, zone_id))
            self.runtime.environments.update(self.stacks[region].environments)
            self.runtime.logical_ids.update({arn: lid for lid, arn in self.stacks[region].function_arns.items()})

    def parameters(self, region: str, zone_id: str) -> dict[str, Any]:
        """The template parameters a deployment of this plan in ``region`` uses."""
        return stack_parameters(self.plan, region) | {"PlanFile": str(self._plan_file()), "HostedZoneId": zone_id}

    def _alarm_changed(self, region: str, alarm: str, state: str, reason: str) -> None:
        """An evaluated alarm's transition: moto's state, then the event on its region's bus."""
        self.alarms.set_state(region, alarm, state, reason)

    def _state_machine(self) -> str | None:
        """The logical id of the state machine whose task runs in this thread, if any."""
        name = self.states.current()
        for deployed in self.stacks.values():
            for logical, arn in deployed.state_machine_arns.items():
                if arn.rsplit(":", 1)[-1] == name:
                    return logical
        return name

    def _plan_file(self) -> Path:
        """The plan as a file: the one it was read from, or, for a plan given as an object, a copy written once for
        the life of the cloud (JSON, which ``load_plan`` reads; a fresh path, as the functions cache plans by path)."""
        if self.plan_path is None:
            directory = Path(tempfile.mkdtemp(prefix="evac-plan-"))
            self._exit.callback(shutil.rmtree, directory, ignore_errors=True)
            self.plan_path = directory / "plan.json"
            self.plan_path.write_text(json.dumps(self.plan.model_dump(mode="json", by_alias=True)), encoding="utf-8")
        return self.plan_path

    # --- serving: other processes (`evac approve --local`) reach this cloud over HTTP on loopback ------------------
    def serve(self, path: Path = SERVED) -> str:
        """Serve this cloud's state on 127.0.0.1 until it closes; writes where to ``path``; returns the endpoint."""
        return serve(self.clock, self._running, path)

    # --- observing: ground truth (``truth``), never evac's adapters ------------------------------------------------
    def writer_region(self) -> str | None:
        return self.truth.writer_region()

    def world(self) -> dict[str, Any]:
        """``{"at": modelled seconds, "writers": [regions], "serving": {region: every plan endpoint there InService
        at its active capacity}}``, from moto's backends (no API call: DNS changes ask for it from inside one)."""
        return self.truth.world()

    def writer_regions(self) -> list[str]:
        """Every region whose cluster is a writer of the global cluster (one, unless something went badly wrong)."""
        return self.truth.writer_regions()

    def dns_weights(self) -> dict[str, int]:
        return self.truth.dns_weights()

    def dns_region(self) -> str | None:
        """The region the weighted record sends all traffic to, or None if it is split or sends none."""
        return self.truth.dns_region()

    def endpoints(self) -> list[dict[str, Any]]:
        return self.truth.endpoints()

    def executions(self, region: str, machine: str = "FailoverRunbook") -> list[dict[str, Any]]:
        """Executions of one of the region's state machines (the runbook by default), newest first."""
        return self.truth.executions(region, machine)

    def notifications(self, region: str) -> list[str]:
        """Messages published to the region's notification topic, oldest first."""
        return self.truth.notifications(region)

    def quiesce(self, *, on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Wait until no execution runs in either region, following each runbook as it appears."""
        followed: set[str] = set()
        while True:
            running = False
            for region, deployed in self.stacks.items():
                for machine in deployed.state_machine_arns:
                    for execution in self.executions(region, machine):
                        running |= execution["status"] == "RUNNING"
                        if machine == "FailoverRunbook" and execution["executionArn"] not in followed:
                            followed.add(execution["executionArn"])
                            self.wait_for_execution(execution["executionArn"], on_event=on_event)
            if not running:
                return
            self.clock.sleep(_POLL)

    def wait_until(self, condition: Callable[[], bool], *, timeout_modelled: float = 7200.0) -> bool:
        """Poll ``condition`` (every modelled second) until it holds; False if it still does not after
        ``timeout_modelled`` seconds."""
        deadline = self.clock.elapsed() + timeout_modelled
        while not condition():
            if self.clock.elapsed() > deadline:
                return False
            self.clock.sleep(1.0)
        return True

    def wait_for_execution(
        self,
        execution_arn: str,
        *,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        timeout_modelled: float = 7200.0,
    ) -> dict[str, Any]:
        """Follow an execution to its end, passing each new history event to ``on_event``; returns its description."""
        sfn = boto3.client("stepfunctions", execution_arn.split(":")[3])
        sfn.describe_execution(executionArn=execution_arn)  # one that does not exist is refused here, by the API
        ended, seen, deadline = execution_ended(execution_arn), 0, self.clock.elapsed() + timeout_modelled
        while True:
            done = ended()  # before the history, so that every event up to the end is passed on
            if on_event:
                for event in history_since(execution_arn, seen):
                    on_event(event)
                    seen += 1
            if done:
                return dict(sfn.describe_execution(executionArn=execution_arn))
            if self.clock.elapsed() > deadline:
                raise TimeoutError(f"{execution_arn} still running after {timeout_modelled:.0f} modelled seconds")
            self.clock.wait_until(ended, _POLL)
