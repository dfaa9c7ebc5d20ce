"""shift_dns, check_dns and verify on moto when Route 53's control plane does not answer: an unplanned run drains the
source through the health-check switch (a metric in the target region, its alarm, the health check on it) and the
DNS answer, as Route 53 would give it, moves to the target; a planned run stops before any change."""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.aws import clients
from evac.errors import DnsControlPlaneUnavailableError
from evac.handlers import check_dns, scale_endpoint, shift_dns
from evac.handlers import plan as plan_step
from evacops.localcloud.faults import Fault, FaultInjector
from evacops.localcloud.fidelity.arc import RoutingControlCluster
from evacops.localcloud.fidelity.drain_alarms import MetricAlarmEvaluator
from evacops.localcloud.fidelity.health_checks import Route53HealthChecks
from evacops.localcloud.seed import seed, seed_quotas
from evacops.localcloud.truth import GroundTruth
from tests.functional.conftest import ACCOUNT, HERE, TABLE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.functional.conftest import Cloud


@pytest.fixture
def silent_route53(aws: Cloud, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Cloud, GroundTruth]]:
    """The seeded account with health checks that are evaluated, then Route 53's API timing out on every call."""
    monkeypatch.setattr(aws.clock, "sleep", aws.clock.advance)  # a timeout costs modelled time, not wall time
    with ExitStack() as stack:
        routing = RoutingControlCluster()
        health = Route53HealthChecks(ACCOUNT, routing, lambda _region: False)
        routing.install(stack)
        health.install(stack)
        MetricAlarmEvaluator(aws.timeline, {("evac", "Drain")}).install(stack)
        faults = FaultInjector(aws.clock, lambda: "ShiftDnsFunction", lambda: None)
        faults.install(stack)
        clients.clear()
        boto3.DEFAULT_SESSION = None
        seed_quotas(aws.plan, aws.quotas)
        seed(aws.plan, aws.clock, aws.timeline, health=health, routing=routing)
        boto3.client("dynamodb", HERE).create_table(
            TableName=TABLE,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        aws.wait(60)
        faults.inject(Fault("timeout", service="route53", calls=None))
        yield aws, GroundTruth(aws.plan, aws.timeline, {}, resolver=health)
        clients.clear()


def test_an_unplanned_run_moves_the_dns_answer_on_the_health_check_switch(
    silent_route53: tuple[Cloud, GroundTruth], read_event: Callable[[str], dict[str, Any]]
) -> None:
    cloud, truth = silent_route53
    run = cloud.invoke(plan_step, read_event("drill-unplanned.json"))
    cloud.invoke(scale_endpoint, {"run": run, "endpoint": "fraud-scoring-xgb"})
    cloud.wait(cloud.latencies.endpoint_scale_up)
    assert truth.dns_region() == "us-east-1"

    moved = cloud.invoke(shift_dns, {"run": run, "previous": None})
    pending = cloud.invoke(check_dns, {"run": run, "poll": moved})
    cloud.wait(60)  # the drain alarm's period
    done = cloud.invoke(check_dns, {"run": run, "poll": pending})

    assert moved["detail"]["mechanism"] == "health-check-switch"
    assert (pending["done"], done["done"]) == (False, True)
    assert truth.dns_region() == "us-west-2"
    assert truth.dns_weights() == {"fraud-scoring-use1": 100, "fraud-scoring-usw2": 0}  # weights never changed


def test_a_planned_run_without_route53s_api_stops_naming_what_to_run(
    silent_route53: tuple[Cloud, GroundTruth], read_event: Callable[[str], dict[str, Any]]
) -> None:
    cloud, truth = silent_route53
    run = cloud.invoke(plan_step, read_event("drill-planned.json"))
    cloud.invoke(scale_endpoint, {"run": run, "endpoint": "fraud-scoring-xgb"})
    cloud.wait(cloud.latencies.endpoint_scale_up)

    with pytest.raises(DnsControlPlaneUnavailableError, match="run the planned move again"):
        cloud.invoke(shift_dns, {"run": run, "previous": None})

    assert truth.dns_region() == "us-east-1"
