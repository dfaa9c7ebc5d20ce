"""Route 53's control plane (us-east-1) down while both regions answer: traffic moves on the data plane in an
unplanned run; a planned run changes nothing; the drill's DNS region is what a resolver is answered."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from evac.aws.drain import dimensions
from evac.domain.plan import parse_plan
from evacops.drill import run_drill
from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e


def test_an_unplanned_run_moves_traffic_on_the_health_check_switch(drilled: dict[str, Drilled]) -> None:
    report = drilled["control-plane-outage"].report

    assert report.status == "SUCCEEDED"
    assert report.executions == 1
    assert report.writer_region == report.dns_region == "us-west-2"
    assert report.dns_mechanism == "health-check-switch"
    assert report.expected, [c for c in report.checks if not c.ok]


def test_a_planned_run_stops_before_any_change_with_writer_and_traffic_at_home(drilled: dict[str, Drilled]) -> None:
    report = drilled["control-plane-outage-planned"].report

    assert report.status == "FAILED"
    assert report.error == "DnsControlPlaneUnavailableError"
    assert report.writer_region == report.dns_region == "us-east-1"
    assert report.dns_mechanism is None
    assert any("run the planned move again" in n for n in report.notifications)
    assert report.expected, [c for c in report.checks if not c.ok]


def test_the_region_blackout_moves_traffic_without_route53s_control_plane(drilled: dict[str, Drilled]) -> None:
    report = drilled["region-blackout"].report

    assert report.dns_region == "us-west-2"
    assert report.dns_mechanism == "health-check-switch"


def test_the_dns_region_is_what_a_resolver_is_answered_not_the_weights() -> None:
    # GIVEN the negative control: weights say us-east-1 (100/0), the drain alarm says us-east-1 is out
    with LocalCloud() as cloud:
        assert cloud.truth.dns_region() == "us-east-1"
        boto3.client("cloudwatch", "us-west-2").put_metric_data(
            Namespace="evac",
            MetricData=[{"MetricName": "Drain", "Dimensions": dimensions("fraud-scoring", "us-east-1"), "Value": 1}],
        )
        cloud.clock.sleep(61)  # one alarm period

        # THEN weights alone would say us-east-1; a resolver is answered us-west-2 (the zero-weight record)
        assert cloud.truth.dns_weights() == {"fraud-scoring-use1": 100, "fraud-scoring-usw2": 0}
        assert cloud.truth.dns_region() == "us-west-2"


def _with_routing_control(plan: RecoveryPlan) -> RecoveryPlan:
    """The bundled plan moving traffic with ARC routing controls: a cluster of five regional endpoints, one control
    and one RECOVERY_CONTROL health check per region."""
    document = plan.model_dump(mode="json")
    arn = "arn:aws:route53-recovery-control::123456789012:controlpanel/fraud/routingcontrol/{}"
    regions = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2")
    document["dns"] |= {
        "mechanism": "routing-control",
        "routing_control": {
            "cluster_endpoints": [
                {"region": r, "endpoint": f"https://host-{i}.route53-recovery-cluster.{r}.amazonaws.com/v1"}
                for i, r in enumerate(regions)
            ],
            "controls": {"us-east-1": arn.format("use1"), "us-west-2": arn.format("usw2")},
            "health_checks": {
                "us-east-1": "5e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a51",
                "us-west-2": "6f2a1b3c-4d5e-4f6a-9b0c-1d2e3f4a5b62",
            },
        },
    }
    return parse_plan(document)


def test_an_unplanned_run_moves_traffic_with_arc_routing_controls(plan: RecoveryPlan) -> None:
    # GIVEN a plan whose data plane is ARC routing control, and Route 53's control plane down
    # WHEN the primary fails
    report = run_drill("control-plane-outage", plan=_with_routing_control(plan))

    # THEN the routing controls moved the traffic: a resolver is answered the secondary, where the writer is
    assert report.status == "SUCCEEDED", report.error
    assert report.dns_mechanism == "routing-control"
    assert report.writer_region == report.dns_region == "us-west-2"
    assert report.expected, [c for c in report.checks if not c.ok]
