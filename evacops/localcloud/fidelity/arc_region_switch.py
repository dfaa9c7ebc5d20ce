"""ARC Region switch, as the local cloud plays it: one ``activate`` workflow of a ``CreatePlan`` request, run as a
graceful execution (moto 5.2.5 has no ``arc-region-switch`` at all).

What it models, each as the Region switch documentation describes it
(https://docs.aws.amazon.com/r53recovery/latest/dg/region-switch.html):

- A workflow's steps run in order, and a step that fails fails the execution; a ``Parallel`` block runs its steps
  at once and is done when all of them are (API_ParallelExecutionBlockConfiguration: "steps that should be executed
  in parallel"). Here each branch is a thread that waits on the virtual clock, so the branches overlap in modelled
  time and the clock still sees every one of them idle while it waits.
- ``CustomActionLambda``: the function of the region ``regionToRun`` names (``activatingRegion``: the region being
  activated) is invoked with the step's ``payload``, ARC's execution metadata (``InvokedBy``, ``PlanArn``,
  ``ExecutionId``, ``StepName``) merged into its top level (API_Lambdas). An invocation that fails is retried every
  ``retryIntervalMinutes`` until the step's ``timeoutMinutes`` (custom-action-lambda-block.html): here only a
  ``StepPendingError`` (evac's "not done yet") is retried; any other error fails the step at once. The invocation
  goes through the local cloud's Lambda in that region, so the real handler runs and its calls are the function's.
- ``AuroraGlobalDatabase`` (aurora-global-database-block.html, API_GlobalAuroraConfiguration): ``switchoverOnly`` calls
  ``SwitchoverGlobalCluster`` in a graceful execution, ``failover`` calls ``FailoverGlobalCluster`` with
  ``AllowDataLoss``; the block waits until the activated region's cluster is the writer, within ``timeoutMinutes``.
  It calls as the plan's execution role would: as the harness, so nothing is recorded against evac's functions.
- ``Route53HealthCheck`` (route53-health-check-block.html): "The execution block creates Amazon Route 53 health
  checks, which you then attach to Route 53 DNS records in your account. When you execute your Region switch plan,
  the Route 53 health check state is updated". ``create_plan`` creates one health check per record set (the kind
  ARC creates is not documented: here a health check whose status Region switch sets, ``Route53HealthChecks.
  set_status``; healthy until a plan turns it); the block makes the activated region's healthy and the others
  unhealthy, and is done once Route 53 has had its propagation time (API_GetChange: "within 60 seconds").
- ``ARCRoutingControl`` (arc-routing-controls-block.html): each routing control is set to the state the block names,
  on the routing-control cluster's data plane (``UpdateRoutingControlStates`` at one of its endpoints, the next one
  if an endpoint does not answer).
- ``ManualApproval`` (execution-approval-block.html): a drill has no person to ask; the player approves at once and
  says so in the step's detail.

Not modelled: ungraceful executions, post-recovery and deactivate workflows, plan evaluation, and every other block
type (a workflow that has one fails with ``UnsupportedBlock``, naming it).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from collections.abc import Callable

    from evacops.localcloud.clock import VirtualClock
    from evacops.localcloud.fidelity.arc import RoutingControlCluster
    from evacops.localcloud.fidelity.health_checks import Route53HealthChecks
    from evacops.localcloud.fidelity.latencies import Latencies

# What evac's custom action raises while its step is not done yet: ARC retries it.
PENDING = "StepPendingError"
# The step's timeout when a block names none: the documentation gives no default; evac's export always names one.
DEFAULT_TIMEOUT_MINUTES = 60
# How often the Aurora block looks at the global cluster: not documented; evac's own database poll is as frequent.
AURORA_POLL_SECONDS = 10.0
_ROUTE53_REGION = "us-east-1"  # Route 53's API is global, served from us-east-1


class StepFailedError(Exception):
    """A step that failed, and so the execution: ``error`` names why (the function's error type, ``StepTimedOut``)."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error, self.cause = error, cause


@dataclass
class StepRun:
    """One step of an execution as it ran (modelled seconds since the local cloud started)."""

    name: str
    block: str
    started: float
    ended: float | None = None
    status: str = "running"  # running | completed | failed | skipped
    attempts: int = 0
    detail: str = ""


@dataclass
class Execution:
    """One execution of a plan's workflow (API_GetPlanExecution's status names: inProgress, completed, failed)."""

    execution_id: str
    plan_arn: str
    region: str  # the region the workflow activates
    started: float
    mode: str = "graceful"
    status: str = "inProgress"
    error: str | None = None
    cause: str | None = None
    ended: float | None = None
    steps: list[StepRun] = field(default_factory=list)

    def described(self) -> dict[str, Any]:
        """The execution as a drill reads a runbook's description: status SUCCEEDED or FAILED, error, cause."""
        status = {"completed": "SUCCEEDED", "failed": "FAILED"}.get(self.status, "RUNNING")
        return {"status": status, "error": self.error, "cause": self.cause, "executionArn": self.execution_id}


@dataclass
class _Plan:
    arn: str
    request: dict[str, Any]
    health_checks: dict[tuple[str, str], str]  # (record name, set identifier) -> the health check ARC created


class RegionSwitch:
    """The Region switch service of the local cloud's account: its plans and every execution it ran."""

    def __init__(
        self,
        clock: VirtualClock,
        latencies: Latencies,
        health: Route53HealthChecks,
        routing: RoutingControlCluster,
        account: str,
    ) -> None:
        self.clock, self.latencies, self.health, self.routing, self.account = (
            clock,
            latencies,
            health,
            routing,
            account,
        )
        self.plans: dict[str, _Plan] = {}
        self.executions: list[Execution] = []
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        # block type -> what runs it; a test may replace one (a negative control skips a block)
        self.blocks: dict[str, Callable[[Execution, StepRun, dict[str, Any]], str]] = {
            "CustomActionLambda": self._custom_action,
            "AuroraGlobalDatabase": self._aurora,
            "Route53HealthCheck": self._route53_health_check,
            "ARCRoutingControl": self._routing_control,
            "ManualApproval": self._approval,
            "Parallel": self._parallel,
        }

    # --- plans ---------------------------------------------------------------------------------------------------
    def create_plan(self, request: dict[str, Any]) -> str:
        """Create the plan ``request`` describes (a ``CreatePlan`` request); returns its ARN. Its Route 53 health
        check blocks' health checks are created now, as ARC does, for the operator to attach to the record sets
        (``health_checks``)."""
        arn = f"arn:aws:arc-region-switch::{self.account}:plan/{request['name']}:{_digest(request['name'])[:6]}"
        created: dict[tuple[str, str], str] = {}
        route53 = self._client("route53", _ROUTE53_REGION)
        for step in _all_steps(request):
            config = step["executionBlockConfiguration"].get("route53HealthCheckConfig")
            for record_set in (config or {}).get("recordSets", []):
                key = (config["recordName"], record_set["recordSetIdentifier"])
                if key in created:
                    continue  # every workflow names the same record sets: one health check each
                made = route53.create_health_check(
                    CallerReference=f"arc-region-switch-{_digest(arn + '/'.join(key))[:16]}",
                    HealthCheckConfig={
                        "Type": "RECOVERY_CONTROL",
                        "RoutingControlArn": f"{arn}/healthcheck/{record_set['region']}",
                    },
                )["HealthCheck"]["Id"]
                self.health.set_status(made, healthy=True)  # no plan has turned it yet: it changes no answer
                created[key] = made
        self.plans[arn] = _Plan(arn, request, created)
        return arn

    def health_checks(self, plan_arn: str) -> dict[str, str]:
        """Set identifier -> the health check ARC created for it (what the operator attaches to that record set)."""
        return {set_id: hc for (_, set_id), hc in self.plans[plan_arn].health_checks.items()}

    # --- executions ----------------------------------------------------------------------------------------------
    def start(self, plan_arn: str, region: str) -> Execution:
        """Run the plan's workflow that activates ``region``, gracefully, to its end (the caller waits, idle on the
        clock, as a person watches the console); returns the execution."""
        plan = self.plans[plan_arn]
        workflow = next(
            (
                w
                for w in plan.request["workflows"]
                if w.get("workflowTargetAction") == "activate" and w.get("workflowTargetRegion") == region
            ),
            None,
        )
        if workflow is None:
            raise ValueError(f"plan {plan_arn} has no workflow that activates {region}")
        for service, where in [("lambda", r) for r in plan.request["regions"]] + [("rds", region)]:
            self._client(service, where)  # made here, not in the parallel branches (clients are made one at a time)
        execution = Execution(
            execution_id=_digest(f"{plan_arn}/{len(self.executions)}")[:24],
            plan_arn=plan_arn,
            region=region,
            started=self.clock.elapsed(),
        )
        self.executions.append(execution)
        try:
            for step in workflow["steps"]:
                self._step(execution, step)
            execution.status = "completed"
        except StepFailedError as failed:
            execution.status, execution.error, execution.cause = "failed", failed.error, failed.cause
        execution.ended = self.clock.elapsed()
        return execution

    def _step(self, execution: Execution, step: dict[str, Any]) -> None:
        block = step["executionBlockType"]
        run = StepRun(step["name"], block, self.clock.elapsed())
        with self._lock:
            execution.steps.append(run)
        config = next(iter(step["executionBlockConfiguration"].values()))
        runner = self.blocks.get(block)
        try:
            if runner is None:
                raise StepFailedError(
                    "UnsupportedBlock", f"the local cloud does not model {block} (step {step['name']})"
                )
            run.detail = runner(execution, run, config)
            run.status = "skipped" if run.detail.startswith("skipped") else "completed"
        except StepFailedError as failed:
            run.status, run.detail = "failed", str(failed)
            raise
        finally:
            run.ended = self.clock.elapsed()

    def _deadline(self, config: dict[str, Any]) -> float:
        return self.clock.elapsed() + 60.0 * float(config.get("timeoutMinutes") or DEFAULT_TIMEOUT_MINUTES)

    # --- blocks --------------------------------------------------------------------------------------------------
    def _parallel(self, execution: Execution, run: StepRun, config: dict[str, Any]) -> str:  # noqa: ARG002
        failures: list[StepFailedError] = []

        def branch(step: dict[str, Any]) -> None:
            try:
                self._step(execution, step)
            except StepFailedError as failed:
                failures.append(failed)

        threads = [threading.Thread(target=branch, args=(s,), name=f"arc-{s['name']}") for s in config["steps"]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()  # idle on the clock while the branches wait on it
        if failures:
            raise StepFailedError(failures[0].error, "; ".join(f.cause for f in failures))
        return f"{len(threads)} step(s) at once"

    def _custom_action(self, execution: Execution, run: StepRun, config: dict[str, Any]) -> str:
        region = execution.region
        if config["regionToRun"] == "deactivatingRegion":
            region = next(r for r in self.plans[execution.plan_arn].request["regions"] if r != execution.region)
        target = next((f for f in config["lambdas"] if f["arn"].split(":")[3] == region), None)
        if target is None:
            raise StepFailedError("InvalidConfiguration", f"{run.name}: no function in {region}")
        payload = json.loads(target.get("payload") or "{}")
        if isinstance(payload, dict):  # ARC merges its metadata into a JSON object's top level
            payload |= {
                "InvokedBy": "arc-region-switch",
                "PlanArn": execution.plan_arn,
                "ExecutionId": execution.execution_id,
                "StepName": run.name,
            }
        interval, deadline = 60.0 * float(config["retryIntervalMinutes"]), self._deadline(config)
        client = self._client("lambda", region)
        while True:
            run.attempts += 1
            answer = client.invoke(FunctionName=target["arn"], Payload=json.dumps(payload).encode())
            body = json.loads(answer["Payload"].read() or b"null")
            if "FunctionError" not in answer:
                return f"{run.attempts} invocation(s) of {target['arn'].rsplit(':', 1)[-1]}"
            error = (body or {}).get("errorType") or "Lambda.Unknown"
            message = str((body or {}).get("errorMessage", ""))
            if error != PENDING:
                raise StepFailedError(error, f"{run.name}: {message}")
            if self.clock.elapsed() + interval > deadline:
                raise StepFailedError(
                    "StepTimedOut", f"{run.name}: still pending after {run.attempts} attempt(s): {message}"
                )
            self.clock.sleep(interval)

    def _aurora(self, execution: Execution, run: StepRun, config: dict[str, Any]) -> str:  # noqa: ARG002
        identifier, deadline = config["globalClusterIdentifier"], self._deadline(config)
        target = next((a for a in config["databaseClusterArns"] if a.split(":")[3] == execution.region), None)
        if target is None:
            raise StepFailedError("InvalidConfiguration", f"no cluster of {identifier} in {execution.region}")
        rds = self._client("rds", execution.region)
        if _writer(rds, identifier)[0] != target:
            try:
                if config["behavior"] == "switchoverOnly":
                    rds.switchover_global_cluster(GlobalClusterIdentifier=identifier, TargetDbClusterIdentifier=target)
                else:
                    rds.failover_global_cluster(
                        GlobalClusterIdentifier=identifier, TargetDbClusterIdentifier=target, AllowDataLoss=True
                    )
            except (BotoCoreError, ClientError) as exc:
                raise StepFailedError("AuroraGlobalDatabaseFailed", f"{identifier}: {exc}") from exc
        while True:
            writer, status = _writer(rds, identifier)
            if writer == target and status == "available":
                return f"{target.rsplit(':', 1)[-1]} is the writer of {identifier}"
            if self.clock.elapsed() + AURORA_POLL_SECONDS > deadline:
                raise StepFailedError("StepTimedOut", f"{identifier}: the writer is still {writer} ({status})")
            self.clock.sleep(AURORA_POLL_SECONDS)

    def _route53_health_check(self, execution: Execution, run: StepRun, config: dict[str, Any]) -> str:  # noqa: ARG002
        checks = self.plans[execution.plan_arn].health_checks
        turned = []
        for record_set in config.get("recordSets", []):
            healthy = record_set["region"] == execution.region
            self.health.set_status(checks[(config["recordName"], record_set["recordSetIdentifier"])], healthy=healthy)
            turned.append(f"{record_set['recordSetIdentifier']} {'healthy' if healthy else 'unhealthy'}")
        self.clock.sleep(self.latencies.dns_propagation)
        return ", ".join(turned)

    def _routing_control(self, execution: Execution, run: StepRun, config: dict[str, Any]) -> str:  # noqa: ARG002
        entries = [
            {"RoutingControlArn": c["routingControlArn"], "RoutingControlState": c["state"]}
            for controls in config["regionAndRoutingControls"].values()
            for c in controls
        ]
        failures = []
        for host, region in self.routing.endpoints.items():
            client = self._client("route53-recovery-cluster", region, f"https://{host}")
            try:
                client.update_routing_control_states(UpdateRoutingControlStateEntries=entries)
            except (BotoCoreError, ClientError) as exc:
                failures.append(f"{host}: {exc}")
                continue
            return ", ".join(f"{e['RoutingControlArn'].rsplit('/', 1)[-1]} {e['RoutingControlState']}" for e in entries)
        raise StepFailedError("RoutingControlUpdateFailed", "; ".join(failures) or "the cluster has no endpoint")

    def _approval(self, execution: Execution, run: StepRun, config: dict[str, Any]) -> str:  # noqa: ARG002
        return f"approved at once by the drill, standing in for {config.get('approvalRole', 'the approval role')}"

    def _client(self, service: str, region: str, endpoint_url: str | None = None) -> Any:
        with self._lock:
            key = (service, f"{region}|{endpoint_url or ''}")
            if key not in self._clients:
                self._clients[key] = boto3.client(service, region, endpoint_url=endpoint_url)  # type: ignore[call-overload]
            return self._clients[key]


def skipped(execution: Execution, run: StepRun, config: dict[str, Any]) -> str:  # noqa: ARG001
    """A block that does nothing (a negative control: what if ARC's step never ran?)."""
    return "skipped"


def _writer(rds: Any, identifier: str) -> tuple[str | None, str]:
    """(the writer's cluster ARN, the global cluster's status)."""
    found = rds.describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"][0]
    writer = next((m["DBClusterArn"] for m in found.get("GlobalClusterMembers", []) if m.get("IsWriter")), None)
    return writer, str(found.get("Status"))


def _all_steps(request: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of every workflow, a parallel block's steps included."""
    found: list[dict[str, Any]] = []
    pending = [s for w in request["workflows"] for s in w["steps"]]
    while pending:
        step = pending.pop(0)
        found.append(step)
        pending += step["executionBlockConfiguration"].get("parallelConfig", {}).get("steps", [])
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
