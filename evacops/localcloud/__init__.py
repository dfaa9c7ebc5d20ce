"""The local cloud: two AWS regions in one process, on moto, with evac's fidelity extensions and a scaled clock.

It deploys the real ``template.yaml`` in both regions (the real ASL, the real handlers), seeds the application the
plan describes, and lets drills raise alarms and follow runbooks::

    with LocalCloud(plan_path) as cloud:
        cloud.alarms.set_state("us-east-1", "fraud-scoring-inference-5xx", "ALARM")
        execution = cloud.wait_for_execution(cloud.stacks["us-west-2"].runbook_arn)
"""

from __future__ import annotations

import gc
import json
import logging
import os
import time
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import boto3
from moto import mock_aws
from moto.sns.models import sns_backends

from evac import clock as evac_clock
from evac.aws import clients
from evac.aws.rds import AuroraGlobal
from evac.aws.route53 import WeightedRecords
from evac.aws.sagemaker import SageMakerEndpoints
from evac.domain.plan import DEFAULT_PLAN, RecoveryPlan, load_plan
from evacops.localcloud.alarms import AlarmEvents
from evacops.localcloud.clock import DEFAULT_SPEED, ScaledClock, Timeline
from evacops.localcloud.deploy import ACCOUNT, Stack, deploy
from evacops.localcloud.fidelity import (
    AlarmStateClock,
    AuroraGlobalFailover,
    DynamoDBGlobalTables,
    Latencies,
    Route53Propagation,
    SageMakerQuotas,
    SageMakerScaling,
    StartExecutionIntegration,
)
from evacops.localcloud.runtime import LambdaRuntime, ParsedDefinitions, SharedClients, install_scaled_time
from evacops.localcloud.seed import seed, seed_quotas

if TYPE_CHECKING:
    from collections.abc import Callable

# Where a served local cloud says how to reach it (see ``serve``).
SERVED = Path(".evac") / "localcloud.json"
# How often observers (drills, tests) look at executions, in wall seconds: each look costs the interpreter CPU.
_POLL = 0.2

_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "MOTO_ACCOUNT_ID": ACCOUNT,
    "POWERTOOLS_SERVICE_NAME": "evac",  # as template.yaml's Globals set it
    "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
    "POWERTOOLS_METRICS_DISABLED": "true",  # EMF goes to stdout; the drill's output is for people
}


class LocalCloud:
    def __init__(
        self,
        plan_path: str | Path = DEFAULT_PLAN,
        *,
        speed: float = DEFAULT_SPEED,
        latencies: Latencies | None = None,
        log_file: Path | None = None,
    ) -> None:
        self.plan_path = Path(plan_path).resolve()
        self.plan: RecoveryPlan = load_plan(self.plan_path)
        self.clock = ScaledClock(speed)
        self.timeline = Timeline(self.clock)
        self.latencies = latencies or Latencies()
        self.runtime = LambdaRuntime(self.clock)
        self.definitions = ParsedDefinitions()
        self.route53 = Route53Propagation(self.timeline, self.latencies)
        # capacity[(region, instance type)]: instances of that type the region can run (unlimited if absent)
        self.sagemaker = SageMakerScaling(self.timeline, self.latencies)
        self.quotas = SageMakerQuotas()
        self.stacks: dict[str, Stack] = {}
        self.alarms = AlarmEvents(self.clock, self.stacks)
        self.log_file = log_file
        self._exit = ExitStack()

    # --- lifecycle ---------------------------------------------------------------------------------------------------
    def __enter__(self) -> LocalCloud:
        stack = self._exit
        try:
            stack.enter_context(patch.dict(os.environ, _ENVIRONMENT))
            stack.enter_context(warnings.catch_warnings())
            # A step that adds no metric (the trigger ignoring an event) makes Powertools warn; in AWS it is a log line.
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            stack.enter_context(mock_aws(config={"stepfunctions": {"execute_state_machine": True}}))
            stack.callback(clients.clear)
            clients.clear()
            evac_clock.use(self.clock.now)
            stack.callback(evac_clock.use, None)
            install_scaled_time(stack, self.clock)
            self.runtime.install(stack)
            self.definitions.install(stack)
            SharedClients().install(stack)
            AuroraGlobalFailover(self.timeline, self.latencies).install(stack)
            self.sagemaker.install(stack)
            self.route53.install(stack)
            AlarmStateClock(self.timeline).install(stack)
            StartExecutionIntegration().install(stack)
            self.quotas.install(stack)
            DynamoDBGlobalTables(self.timeline, self.latencies).install(stack)
            self._quiet_handler_logs(stack)
            seed_quotas(self.plan, self.quotas)
            zone_id = seed(self.plan, self.clock, self.timeline)
            for region in self.plan.regions.both:
                self.stacks[region] = deploy(region, self.parameters(region, zone_id))
                self.runtime.environments.update(self.stacks[region].environments)
            self.runtime.warm(self.plan.regions.both)
            self.definitions.warm(self._definitions())
            # What it took to start (moto's backends, service models, parsed definitions: most of the process's
            # objects) lives as long as the cloud: the garbage collector need not walk it again, which would stop
            # every runbook for a few hundred ms (tens of modelled seconds) in the middle of a drill.
            gc.freeze()
            stack.callback(gc.unfreeze)
            # Runs on exit before the patches and the mock come off: no runbook outlives its cloud.
            stack.callback(self._stop_running_executions)
        except BaseException:
            stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.close()

    def parameters(self, region: str, zone_id: str) -> dict[str, Any]:
        """The template parameters a deployment of this plan in ``region`` uses."""
        return {
            "Application": self.plan.application,
            "PlanFile": str(self.plan_path),
            "PeerRegion": self.plan.peer(region),
            "TriggerAlarmNames": [a.name for a in self.plan.alarms],
            "HostedZoneId": zone_id,
        }

    def _quiet_handler_logs(self, stack: ExitStack) -> None:
        """Handlers log JSON to stdout in Lambda; here their lines go to ``log_file`` (or nowhere)."""
        import evac.handlers._step  # noqa: F401 - creates the "evac" logger with Powertools' handler

        logger = logging.getLogger(os.environ.get("POWERTOOLS_SERVICE_NAME", "evac"))
        target = self.log_file.open("a", encoding="utf-8") if self.log_file else open(os.devnull, "w")  # noqa: SIM115, PTH123
        stack.callback(target.close)
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler):
                previous = handler.setStream(target)
                stack.callback(handler.setStream, previous)

    def _definitions(self) -> list[str]:
        """Every deployed state machine's definition, in both regions."""
        return [
            boto3.client("stepfunctions", region).describe_state_machine(stateMachineArn=arn)["definition"]
            for region, deployed in self.stacks.items()
            for arn in deployed.state_machine_arns.values()
        ]

    def _stop_running_executions(self) -> None:
        for region, deployed in self.stacks.items():
            sfn = boto3.client("stepfunctions", region)
            for arn in deployed.state_machine_arns.values():
                for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
                    # moto cannot stop an execution before its first history event
                    while not sfn.get_execution_history(executionArn=execution["executionArn"])["events"]:
                        time.sleep(0.001)
                    sfn.stop_execution(executionArn=execution["executionArn"], cause="local cloud closed")

    # --- serving: other processes (`evac approve --local`) reach this cloud over HTTP on loopback ------------------
    def serve(self, path: Path = SERVED) -> str:
        """Serve this cloud's state on 127.0.0.1 until it closes; writes where to ``path``; returns the endpoint."""
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"endpoint_url": endpoint, "pid": os.getpid()}), encoding="utf-8")
        self._exit.callback(path.unlink, missing_ok=True)
        self._exit.callback(server.stop)
        return endpoint

    # --- observing ----------------------------------------------------------------------------------------------------
    # Observed through evac's own adapters: what a drill asserts is what the runbook's steps would see.
    def writer_region(self) -> str | None:
        return AuroraGlobal(self.plan.regions.primary).global_state(self.plan.database.global_cluster).writer_region

    def dns_weights(self) -> dict[str, int]:
        dns = self.plan.dns
        return WeightedRecords().weights(dns.hosted_zone, dns.record_name, dns.record_type)

    def dns_region(self) -> str | None:
        """The region the weighted record sends all traffic to, or None if it is split or sends none."""
        weights = self.dns_weights()
        serving = [region for region, set_id in self.plan.dns.set_identifiers.items() if weights.get(set_id, 0) > 0]
        return serving[0] if len(serving) == 1 else None

    def endpoints(self) -> list[dict[str, Any]]:
        found = []
        for region in self.plan.regions.both:
            adapter = SageMakerEndpoints(region)
            for endpoint in self.plan.inference.endpoints:
                state = adapter.state(endpoint.name, endpoint.variant)
                status, instances = (state.status, state.instances) if state else ("Missing", 0)
                variant = adapter.spec(endpoint.name).variant(endpoint.variant) if state else None
                found.append(
                    {
                        "region": region,
                        "name": endpoint.name,
                        "status": status,
                        "instances": instances,
                        "instance_type": variant.instance_type if variant else None,
                    }
                )
        return found

    def executions(self, region: str, machine: str = "FailoverRunbook") -> list[dict[str, Any]]:
        """Executions of one of the region's state machines (the runbook by default), newest first."""
        sfn = boto3.client("stepfunctions", region)
        arn = self.stacks[region].state_machine_arns[machine]
        return [dict(e) for e in sfn.list_executions(stateMachineArn=arn)["executions"]]

    def notifications(self, region: str) -> list[str]:
        """Messages published to the region's notification topic, oldest first."""
        topic = sns_backends[ACCOUNT][region].topics[self.stacks[region].topic_arn]
        return [message for _, message, *_ in topic.sent_notifications]

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
            time.sleep(_POLL)

    def wait_until(self, condition: Callable[[], bool], *, timeout_modelled: float = 7200.0) -> bool:
        """Poll ``condition`` until it holds; False if it still does not after ``timeout_modelled`` seconds."""
        deadline = self.clock.elapsed() + timeout_modelled
        while not condition():
            if self.clock.elapsed() > deadline:
                return False
            time.sleep(_POLL / 4)
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
        seen = 0
        deadline = self.clock.elapsed() + timeout_modelled
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if on_event:
                events = sfn.get_execution_history(executionArn=execution_arn)["events"]
                for event in events[seen:]:
                    on_event(dict(event))
                seen = len(events)
            if described["status"] != "RUNNING":
                return dict(described)
            if self.clock.elapsed() > deadline:
                raise TimeoutError(f"{execution_arn} still running after {timeout_modelled:.0f} modelled seconds")
            time.sleep(_POLL)
