"""The modelled latencies: the one table of how many modelled seconds each thing AWS does takes in the local cloud.

The local cloud's clock is virtual (``evacops.localcloud.clock``): its own Python costs no modelled time, so every
second a run's figures show was charged from this table. Each entry cites AWS's published figure, or says it is
evac's estimate where AWS publishes none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evac.domain.plan import Expectations

# Data-plane calls answer in milliseconds. DynamoDB: "consistent single-digit millisecond performance at any scale"
# (https://aws.amazon.com/dynamodb/). Step Functions' task-token and execution APIs, SNS Publish, SSM parameters and
# S3 object reads: tens of milliseconds, evac's estimate.
_SERVICE_CALLS = {
    "dynamodb": 0.005,
    "stepfunctions": 0.03,
    "sns": 0.03,
    "ssm": 0.03,
    "s3": 0.03,
    "sagemaker-runtime": 0.0,  # an inference's own time is ``inference``, played by the endpoint
    "lambda": 0.0,  # an invocation's own time is ``lambda_warm`` / ``lambda_cold_start``, played by the runtime
}


@dataclass(frozen=True)
class Latencies:
    """Modelled seconds each dependency takes, near AWS's own published figures."""

    # --- what a failover waits for ------------------------------------------------------------------------------------
    # "Managed failovers ... typically complete in about a minute" / switchovers wait for replication to catch up.
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
    aurora_failover: float = 60.0
    aurora_switchover: float = 90.0
    # Cross-Region replication, "with typical latency of under a second" (Aurora Global Database overview): what the
    # seed publishes as AuroraGlobalDBRPOLag and what the write workload's transactions take to reach the secondary.
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html
    aurora_replication_lag: float = 0.85
    # New ML instances are provisioned, the container pulled and the model loaded: several minutes. The last new
    # instance serves after endpoint_scale_up; when several are added, the first after endpoint_first_instance.
    # https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html
    endpoint_scale_up: float = 360.0
    endpoint_first_instance: float = 240.0
    # "Changes generally propagate to all Route 53 name servers within 60 seconds."
    # https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html
    dns_propagation: float = 60.0
    # How long SageMaker tries to provision instances before an update fails for lack of capacity, and how long the
    # rollback to the previous configuration takes: AWS publishes no figure; evac's estimates.
    endpoint_capacity_failure: float = 180.0
    endpoint_rollback: float = 30.0
    # Adding a replica to a global table copies the table: minutes for a small one.
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables.tutorial.html
    dynamodb_replica: float = 300.0
    # New ECS tasks provisioned, their image pulled, started and past their container health checks: about a
    # minute for a Fargate task of a small image; AWS publishes no figure ("Fargate task launch ... time to
    # provision", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html), so
    # this is evac's estimate, below the plan's expected_seconds.
    ecs_task_start: float = 75.0
    # A new EC2 instance of an Auto Scaling group: launched, booted, its user data run (a GPU model server loading its
    # weights) and passing its load balancer's health checks before it serves. AWS publishes no launch time; the
    # health check grace period it suggests for an application to start is 300 s by default (console), "the time
    # it takes ... to complete its startup"
    # (https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html). evac's estimate: 180 s.
    asg_instance_start: float = 180.0
    # One real-time inference, request to response, as a client in the region sees it (model-dependent; a small
    # tabular model answers in tens of milliseconds). The canary times this, not the local cloud's own compute.
    inference: float = 0.045

    # --- what each step costs on the way --------------------------------------------------------------------------
    # One AWS API call, request to response, as a Lambda function or Step Functions sees it: control-plane calls
    # (RDS, SageMaker, Route 53, CloudWatch, Application Auto Scaling) take about a tenth of a second; AWS publishes
    # no figure, evac's estimate. Services that answer faster are in ``service_calls``.
    api_call: float = 0.1
    service_calls: dict[str, float] = field(default_factory=lambda: dict(_SERVICE_CALLS))
    # A Lambda invocation's own overhead on a warm execution environment: milliseconds (evac's estimate), and on a cold
    # one the INIT phase first: "The duration of a cold start varies from under 100 ms to over 1 second"
    # (https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/); a Python function
    # importing boto3 and Powertools sits near the top of that range. Lifecycle:
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
    lambda_warm: float = 0.01
    lambda_cold_start: float = 1.0
    # An asynchronous invoke (InvocationType Event): Lambda queues the event and answers 202 at once
    # (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html); tens of milliseconds, evac's estimate.
    lambda_async_accept: float = 0.02
    # One Step Functions state transition (Standard workflows): AWS publishes no per-transition latency; tens of
    # milliseconds, evac's estimate. https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html
    state_transition: float = 0.03
    # An event from a service (a CloudWatch alarm's state change) matched by a rule and delivered to its target:
    # "near real-time" (https://aws.amazon.com/eventbridge/faqs/); half a second, evac's estimate.
    eventbridge_delivery: float = 0.5

    def drawn(self, seed: int) -> Latencies:
        """The failover's dependencies drawn for one run, from distributions anchored on the published figures
        (triangular: low, most likely, high); the same seed draws the same run. The per-step costs stay fixed.

        - Aurora global failover: 30-120 s, most likely 60 ("typically ... about a minute", as above); switchover
          60-180 s, most likely 90 (it waits for replication to catch up: evac's estimate).
        - SageMaker scale-out of GPU instances: 134-525 s, most likely 360. "Introducing container caching in Amazon
          SageMaker AI for faster model scaling" (https://aws.amazon.com/blogs/machine-learning/introducing-container-caching-in-amazon-sagemaker-ai-for-faster-model-scaling/)
          measures 525 s to a new instance serving without container caching and 258 s with it (Qwen3-8B,
          ml.g6.2xlarge); smaller models start faster. The first new instance serves at the same share of the
          last's time as in the defaults (240 / 360).
        - Route 53: INSYNC within 60 s (GetChange, as above): 10-60 s, most likely 40.
        - SageMaker capacity failure and rollback: +-50 % around evac's estimates.
        """
        rng = random.Random(seed)  # noqa: S311 - a model's draws, repeatable by seed: no secret here

        def tri(low: float, likely: float, high: float) -> float:
            return round(rng.triangular(low, high, likely), 1)

        scale_up = tri(134, 360, 525)
        return replace(
            self,
            aurora_failover=tri(30, 60, 120),
            aurora_switchover=tri(60, 90, 180),
            endpoint_scale_up=scale_up,
            endpoint_first_instance=round(scale_up * self.endpoint_first_instance / self.endpoint_scale_up, 1),
            dns_propagation=tri(10, 40, 60),
            endpoint_capacity_failure=tri(90, 180, 270),
            endpoint_rollback=tri(15, 30, 45),
        )

    def around(self, expected: Expectations, seed: int, *, spread: float = 0.5) -> Latencies:
        """The failover's dependencies drawn uniformly within ``spread`` (+-50 %) of a plan's expectations, for the
        bench: how near its floor a run stays when AWS is faster or slower than the plan expects. The same seed draws
        the same run; the per-step costs stay fixed. Capacity failure and rollback: +-``spread`` around the table's."""
        rng = random.Random(seed)  # noqa: S311 - a model's draws, repeatable by seed: no secret here

        def near(value: float) -> float:
            return round(rng.uniform(value * (1 - spread), value * (1 + spread)), 1)

        scale_up = near(expected.endpoint_scale_up_seconds)
        first = expected.endpoint_first_instance_seconds / expected.endpoint_scale_up_seconds
        return replace(
            self,
            aurora_failover=near(expected.database_promotion_seconds),
            aurora_switchover=near(expected.database_promotion_seconds),
            endpoint_scale_up=scale_up,
            endpoint_first_instance=round(scale_up * first, 1),
            dns_propagation=near(expected.dns_propagation_seconds),
            endpoint_capacity_failure=near(self.endpoint_capacity_failure),
            endpoint_rollback=near(self.endpoint_rollback),
        )

    def api(self, service: str) -> float:
        """What one call to ``service`` (botocore's service name) takes."""
        return self.service_calls.get(service, self.api_call)
