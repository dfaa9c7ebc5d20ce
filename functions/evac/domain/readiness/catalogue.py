"""Every readiness check evac runs: its name (``service.check``), its severity, and what to do when it does not pass.

``critical``: the target cannot serve the model as the source does (the automatic path will not fail over into it);
``warning``: protection is eroding or data loss may exceed the budget. A probe may lower a severity (an unreadable
quota is only a warning). Remediations are templates: ``{region}`` is the target region, the other fields name the
resource checked (the check families fill them in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from evac.domain.models import Severity


@dataclass(frozen=True)
class CheckSpec:
    severity: Severity
    remediation: str


CATALOGUE: Final[dict[str, CheckSpec]] = {
    # Aurora
    "rds.cluster_available": CheckSpec(
        "critical", "Repair {cluster} in {region} or wait until it is available: a failover to it would fail."
    ),
    "rds.replication_lag": CheckSpec(
        "warning",
        "Find what slows replication (write bursts, long transactions, an undersized secondary); a failover now "
        "would lose more writes than rpo_budget_seconds allows. Missing data: check the cluster is a global "
        "secondary and that CloudWatch is readable.",
    ),
    # SageMaker endpoints, their artifacts and images
    "sagemaker.endpoint_in_service": CheckSpec(
        "critical",
        "Deploy {endpoint} in {region} with variant {variant} (standby capacity) and wait for InService.",
    ),
    "sagemaker.config_parity": CheckSpec(
        "critical",
        "Deploy the primary's model (same artifacts, same image) on {variant} in {region}, on {instance_type} or a "
        "type in fallback_instance_types.",
    ),
    "s3.model_artifact": CheckSpec(
        "critical",
        "Replicate the primary's model artifact to {url} (S3 Replication, or S3 Batch Replication for objects "
        "written before the rule existed).",
    ),
    "ecr.image_present": CheckSpec(
        "critical",
        "Replicate the image to {region} (ECR replication) or push it there, with the primary's digest.",
    ),
    "sagemaker.autoscaling": CheckSpec(
        "warning",
        "Register {variant} with Application Auto Scaling in {region} with MaxCapacity of at least {instances} "
        "(the runbook raises MinCapacity; policies are yours).",
    ),
    # Service Quotas
    "servicequotas.instance_quota": CheckSpec(
        "critical",
        "Request an increase of '{instance_type} for endpoint usage' to at least {instances} in {region} "
        "(Service Quotas); increases take days, so ask before you need them.",
    ),
    # Model registry
    "sagemaker.model_packages": CheckSpec(
        "warning",
        "Copy the primary's approved model packages into {group} in {region} (your model pipeline's cross-region "
        "step), so a rollback or redeploy there finds them.",
    ),
    # S3 buckets the plan names
    "s3.versioning": CheckSpec("warning", "Enable versioning on {replica}: S3 Replication needs it on both buckets."),
    "s3.encryption": CheckSpec(
        "warning",
        "Encrypt {replica} with SSE-S3 or a KMS key in its own region (a multi-Region key's replica there): a key in "
        "another region makes the replicas unreadable when that region fails.",
    ),
    "s3.replication": CheckSpec(
        "warning",
        "Add an enabled replication rule from {bucket} to {replica} (with Replication Time Control and metrics, so "
        "its latency can be watched).",
    ),
    "s3.replication_latency": CheckSpec(
        "warning",
        "Enable replication metrics (or RTC) on the rule to {replica}, and find what delays it if it is late.",
    ),
    # DynamoDB global tables (the feature store)
    "dynamodb.replica": CheckSpec(
        "critical",
        "Add a {region} replica to the global table {table} (UpdateTable ReplicaUpdates) and wait for ACTIVE: the "
        "model's online features are read there.",
    ),
    # ECR repositories
    "ecr.replication": CheckSpec(
        "warning",
        "Add a registry replication rule in {source} to {region} covering {repository}, so every image pushed "
        "there is also here.",
    ),
    # The age of the model state in the target (severity: the plan's readiness.ml_state_severity when it lags)
    "ml.state_lag": CheckSpec(
        "warning",
        "Replicate what lags (the package into the target's registry, its artifact and image, the feature tables' "
        "writes) within readiness.ml_state_budget_seconds ({budget} s): a failover now serves an older model.",
    ),
    # Route 53
    "route53.records": CheckSpec(
        "critical",
        "Create a {policy} {record_type} record set per region in {zone}, with the plan's set identifiers: the "
        "runbook moves traffic by changing their weights.",
    ),
    "route53.health_checks": CheckSpec(
        "warning",
        "Attach a Route 53 health check to each record set, so Route 53 stops answering with a region that fails.",
    ),
    "route53.health_check_status": CheckSpec(
        "warning",
        "Make {region}'s record-set health check healthy where its status lives (its alarm back to OK: the Drain "
        "metric at 0 for {region}; or its routing control), and keep what drains {source} in {region}: if {source} "
        "fails first, nothing can undo it there.",
    ),
    "route53.data_plane": CheckSpec(
        "warning",
        "Give the plan a data-plane dns.mechanism (health-check-switch or routing-control, docs/runbook.md): with "
        "record weights only, failing {source} over needs Route 53's control plane, which lives in {source}.",
    ),
}
