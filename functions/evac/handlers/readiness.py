"""Scheduled readiness: can the region a failover would promote now serve the model? Publishes ``SecondaryReady``.

EventBridge Scheduler invokes it every 15 minutes (template.yaml); ``evac readiness`` invokes it on demand. Its
output is the readiness report: ``{"ready", "checks": [{"name", "status", "severity", "evidence", ...}],
"ml_state_lag_seconds", "ml_state": [...], ...}``; it also publishes the model state's lag and its budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from evac.aws.rds import AuroraGlobal
from evac.aws.readiness_reads import assess_target
from evac.domain.decisions import failover_target
from evac.domain.models import ReadinessInput
from evac.handlers._step import logger, metrics, step
from evac.settings import settings

if TYPE_CHECKING:
    from evac.domain.models import Readiness

# 1 when every critical check passed, else 0; template.yaml's ReadinessAlarm watches it.
READY_METRIC = "SecondaryReady"
# How old the target's model state is (seconds, when every part was read), and that age divided by the plan's budget
# (over 1: past it), which template.yaml's MlStateLagAlarm watches.
LAG_METRIC, SHARE_METRIC = "MlStateLagSeconds", "MlStateLagToBudget"


@step(ReadinessInput)
def lambda_handler(request: ReadinessInput) -> Readiness:
    config = settings()
    plan = config.plan
    target = request.target_region
    if target is None:
        writer = AuroraGlobal(config.region).global_state(plan.database.global_cluster).writer_region
        target = failover_target(plan.regions.primary, plan.regions.secondary, writer)
    report = assess_target(plan, source=plan.peer(target), target=target, source_may_be_down=False)
    findings = report.findings
    metrics.add_dimension(name="application", value=plan.application)
    metrics.add_metric(name=READY_METRIC, unit=MetricUnit.Count, value=1 if report.ready else 0)
    critical = sum(1 for c in findings if c.severity == "critical")
    metrics.add_metric(name="ReadinessCriticalFindings", unit=MetricUnit.Count, value=critical)
    metrics.add_metric(name="ReadinessWarnings", unit=MetricUnit.Count, value=len(findings) - critical)
    lag, budget = report.ml_state_lag_seconds, report.ml_state_budget_seconds
    if lag is not None and budget:  # an unknown lag publishes nothing: the alarm reads insufficient data
        metrics.add_metric(name=LAG_METRIC, unit=MetricUnit.Seconds, value=lag)
        metrics.add_metric(name=SHARE_METRIC, unit=MetricUnit.NoUnit, value=lag / budget)
    logger.info(
        "readiness assessed",
        extra={"target": target, "ready": report.ready, "findings": [c.summary() for c in findings]},
    )
    return report
