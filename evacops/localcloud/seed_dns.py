"""Seed the data plane a plan's ``dns.mechanism`` names: what a person sets up once in AWS (docs/runbook.md,
"Traffic shift mechanisms"), with the ids and ARNs the plan gives.

- ``health-check-switch``: per region, the drain alarm in the peer region (``Drain >= 1`` for one period, missing data
  ignored) and a ``CLOUDWATCH_METRIC`` health check on it, ``InsufficientDataHealthStatus: Healthy`` (an alarm that
  cannot be read never takes a region out of DNS: only a drain does).
- ``routing-control``: the cluster's five endpoints, one routing control per region (On where the plan serves), and a
  ``RECOVERY_CONTROL`` health check on each.
- ``record-weights``: an HTTPS health check per record set, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

from evac.aws.drain import dimensions

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud.fidelity.arc import RoutingControlCluster
    from evacops.localcloud.fidelity.health_checks import Route53HealthChecks


def seed_health_checks(
    plan: RecoveryPlan, health: Route53HealthChecks | None, routing: RoutingControlCluster | None
) -> dict[str, str]:
    """Create the health check (and what it follows) of each region's record set; returns region -> its id."""
    route53 = boto3.client("route53", "us-east-1")
    dns, primary = plan.dns, plan.regions.primary
    created: dict[str, str] = {}
    for region in plan.regions.both:
        if dns.mechanism == "health-check-switch" and dns.health_check_switch:
            drain = dns.health_check_switch[region]
            boto3.client("cloudwatch", drain.alarm_region).put_metric_alarm(
                AlarmName=drain.alarm,
                AlarmDescription=f"evac drains {region} from {plan.application}'s DNS record",
                Namespace=drain.namespace,
                MetricName=drain.metric,
                Dimensions=dimensions(plan.application, region),  # type: ignore[arg-type]
                Statistic="Maximum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="ignore",
            )
            config: dict[str, Any] = {
                "Type": "CLOUDWATCH_METRIC",
                "AlarmIdentifier": {"Region": drain.alarm_region, "Name": drain.alarm},
                "InsufficientDataHealthStatus": "Healthy",
            }
            wanted: str | None = drain.health_check
        elif dns.mechanism == "routing-control" and dns.routing_control and routing is not None:
            arn = dns.routing_control.controls[region]
            routing.add_control(arn, f"{plan.application}-{region}", "On" if region == primary else "Off")
            config = {"Type": "RECOVERY_CONTROL", "RoutingControlArn": arn}
            wanted = dns.routing_control.health_checks.get(region)
        else:
            config = {
                "Type": "HTTPS",
                "FullyQualifiedDomainName": dns.targets[region],
                "ResourcePath": "/ping",
                "RequestInterval": 10,
                "FailureThreshold": 3,
            }
            wanted = None
        made = route53.create_health_check(
            CallerReference=f"evac-{plan.application}-{region}",
            HealthCheckConfig=config,  # type: ignore[arg-type]
        )["HealthCheck"]["Id"]
        if wanted and health is not None:
            health.rename(made, wanted)
            made = wanted
        created[region] = made
    if dns.mechanism == "routing-control" and dns.routing_control and routing is not None:
        for endpoint in dns.routing_control.cluster_endpoints:
            routing.add_endpoint(endpoint.endpoint, endpoint.region)
    return created
