"""One handler at a time on moto: a seeded two-region account with the local cloud's fidelity extensions.

moto lacks Aurora global failover/switchover, makes SageMaker and Route 53 changes complete at once, and marks no
global writer; the fidelity extensions (``evacops.localcloud.fidelity``) model those on a clock the tests step by
hand, so "not done yet" and "done after the modelled latency" are both observable without sleeping.
"""

from __future__ import annotations

import uuid
import warnings
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import boto3
import pytest
from botocore.loaders import Loader
from moto import mock_aws

from evac import clock as evac_clock
from evac.aws import clients
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.cloud import write_plan
from evacops.drill.variants import FOLLOW_CAPACITY, derive
from evacops.localcloud.clock import Timeline
from evacops.localcloud.fidelity import (
    AuroraGlobalFailover,
    DynamoDBGlobalTables,
    Latencies,
    Route53Propagation,
    S3Replication,
    SageMakerQuotas,
    SageMakerScaling,
)
from evacops.localcloud.reuse import share_harness_clients
from evacops.localcloud.seed import seed, seed_quotas
from tests.fakes.clock import SteppedClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from types import ModuleType

    from evac.domain.plan import RecoveryPlan

ACCOUNT = "123456789012"
HERE = "us-west-2"  # the stack under test promotes this region
TABLE = "evac-runs"
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": HERE,
    "AWS_REGION": HERE,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "evac",
    "POWERTOOLS_SERVICE_NAME": "evac",
    "EVAC_PLAN": "evac/plans/fraud-scoring.yaml",  # as template.yaml's PlanFile default: relative to functions/
    "EVAC_TABLE": TABLE,
}


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "evac-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{HERE}:{ACCOUNT}:function:x"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # one per invocation, as Lambda's


@dataclass
class Cloud:
    """The seeded account: AWS's state is read through boto3, modelled time moves with ``clock.advance``."""

    plan: RecoveryPlan
    clock: SteppedClock
    timeline: Timeline
    latencies: Latencies
    sagemaker: SageMakerScaling
    quotas: SageMakerQuotas

    def invoke(self, handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
        """Call a handler module's ``lambda_handler`` as Lambda would."""
        return dict(handler.lambda_handler(event, LambdaContext()))

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of modelled time pass (changes due by then apply on the next read)."""
        self.clock.advance(seconds)

    def global_cluster(self) -> dict[str, Any]:
        rds = boto3.client("rds", HERE)
        return dict(
            rds.describe_global_clusters(GlobalClusterIdentifier=self.plan.database.global_cluster)["GlobalClusters"][0]
        )

    def writer_region(self) -> str | None:
        members = self.global_cluster()["GlobalClusterMembers"]
        return next((m["DBClusterArn"].split(":")[3] for m in members if m["IsWriter"]), None)

    def endpoint(self, region: str = HERE) -> dict[str, Any]:
        name = self.plan.inference.endpoints[0].name
        return dict(boto3.client("sagemaker", region).describe_endpoint(EndpointName=name))

    def min_capacity(self, region: str = HERE) -> int:
        endpoint = self.plan.inference.endpoints[0]
        targets = boto3.client("application-autoscaling", region).describe_scalable_targets(
            ServiceNamespace="sagemaker", ResourceIds=[f"endpoint/{endpoint.name}/variant/{endpoint.variant}"]
        )["ScalableTargets"]
        return int(targets[0]["MinCapacity"])

    def dns_weights(self) -> dict[str, int]:
        route53 = boto3.client("route53", "us-east-1")
        zone = route53.list_hosted_zones_by_name(DNSName=self.plan.dns.hosted_zone)["HostedZones"][0]["Id"]
        records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        return {r["SetIdentifier"]: int(r["Weight"]) for r in records if "SetIdentifier" in r}


@pytest.fixture
def aws(plan: RecoveryPlan, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    """An empty account: moto with the fidelity extensions, and the handlers' clock (``evac.clock``) reading the
    same modelled time."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    clients.clear()
    try:
        with mock_aws(), ExitStack() as stack, warnings.catch_warnings():
            # Powertools warns on every handler that adds no metric (most steps): noise here, as on the local cloud
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            share_harness_clients(stack)  # seeding asks boto3 for a client at each step: one per service and region
            clock = SteppedClock()
            timeline, latencies = Timeline(clock), Latencies()
            sagemaker, quotas = SageMakerScaling(timeline, latencies), SageMakerQuotas()
            AuroraGlobalFailover(timeline, latencies).install(stack)
            S3Replication().install(stack)
            sagemaker.install(stack)
            Route53Propagation(timeline, latencies).install(stack)
            quotas.install(stack)
            DynamoDBGlobalTables(timeline, latencies).install(stack)
            evac_clock.use(clock.now)
            stack.callback(evac_clock.use, None)
            yield Cloud(plan, clock, timeline, latencies, sagemaker, quotas)
    finally:
        clients.clear()


@pytest.fixture
def cloud(aws: Cloud) -> Cloud:
    """The account seeded with the plan's application, serving from us-east-1 with a warm standby in us-west-2."""
    seed_quotas(aws.plan, aws.quotas)
    seed(aws.plan, aws.clock, aws.timeline)
    boto3.client("dynamodb", HERE).create_table(  # the ledger, as template.yaml's RunsTable (the plan step reads it)
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.wait(60)  # the application has run a minute: its replication lag metric is readable
    return aws


@pytest.fixture
def following(cloud: Cloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cloud:
    """The seeded account, its functions reading a plan whose traffic follows capacity (the bundled plan otherwise)."""
    monkeypatch.setenv("EVAC_PLAN", str(write_plan(derive(load_plan(DEFAULT_PLAN), shift=FOLLOW_CAPACITY), tmp_path)))
    return cloud


@pytest.fixture
def runs_table(cloud: Cloud) -> str:
    """The ledger table (template.yaml's RunsTable)."""
    return TABLE


@pytest.fixture
def make_run(cloud: Cloud, read_event: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """The run the plan step decides for a drill input from ``events/`` (the state the later steps receive)."""
    from evac.handlers import plan as plan_step

    def make(event_file: str) -> dict[str, Any]:
        return cloud.invoke(plan_step, read_event(event_file))

    return make


@pytest.fixture
def planned_run(make_run: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return make_run("drill-planned.json")


@pytest.fixture
def unplanned_run(make_run: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return make_run("drill-unplanned.json")


# botocore's parsed service models, shared by every boto3 session these tests create (see below).
_SERVICE_MODELS: dict[Any, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def _parse_service_models_once() -> Iterator[None]:
    """Share botocore's parsed service models between the boto3 sessions the tests create.

    Every test starts fresh sessions (moto resets boto3's default one; ``clients.clear()`` renews evac's), and each
    would parse the same large JSON models again: most of a functional test's time. The models never change within a
    process, and botocore already shares one parsed copy between all clients of a session.
    """
    original = Loader.__init__

    def init(self: Loader, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._cache = _SERVICE_MODELS

    with patch.object(Loader, "__init__", init):
        yield
