"""The modelled latencies: how many modelled seconds each AWS dependency of a failover takes in the local cloud, each
anchored on AWS's published figure (or, where AWS publishes none, evac's estimate, said so)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Latencies:
    """Modelled seconds each dependency takes, near AWS's own published figures."""

    # "Managed failovers ... typically complete in about a minute" / switchovers wait for replication to catch up.
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
    aurora_failover: float = 60.0
    aurora_switchover: float = 90.0
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
    # One real-time inference, request to response, as a client in the region sees it (model-dependent; a small
    # tabular model answers in tens of milliseconds). The canary times this, not the local cloud's own compute.
    inference: float = 0.045
