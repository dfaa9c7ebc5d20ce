"""The fault matrix's judgement of each call site: what the runbook can do without, and what evidence a
permanent fault there excuses.

A permanent fault (AccessDenied) on a best-effort site does not fail the run: it ends as ``BEST_EFFORT`` says and its
record names the call. A permanent fault that takes away the very means of one piece of evidence (the ledger write,
the notification, the lock release) excuses that invariant (``EXEMPT``); the others must carry the news.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from evacops.chaos.sites import Site

GLOBAL: Final = "aws-global"  # the region botocore gives a global endpoint's client (Route 53)
# The warm-ups (evac.aws.warmup) the trigger and the Plan step send, one site per caller: the run must succeed
# without them. A refused one is in the function's log, not the run record (nothing about the run changed).
WARM_UPS_AT_TRIGGER: Final = ("TriggerFunction", "lambda", "Invoke", None)
WARM_UPS_AT_PLAN: Final = ("PlanFunction", "lambda", "Invoke", None)
WARM_UPS: Final = frozenset({WARM_UPS_AT_TRIGGER, WARM_UPS_AT_PLAN})
# Calls the runbook can do without: a permanent fault there does not fail the run; it ends as said, and its record
# names the call in its warnings. (Transient faults there still end SUCCEEDED, like everywhere.)
RPO_READ: Final = ("PlanFunction", "cloudwatch", "GetMetricStatistics", None)  # the replication lag: RPO's estimate
BEST_EFFORT: Final[dict[tuple[str, str, str, str | None], tuple[str, str]]] = {
    RPO_READ: (
        "ABORTED",
        "RPO unknown: an unplanned run then waits for a person's approval (the plan's policy); none comes here",
    ),
    ("PlanFunction", "rds", "DescribeDBClusters", None): (
        "SUCCEEDED",
        "the planned run's probe of the primary: a refusal is an answer (switchover), noted",
    ),
    ("StandbyFunction", "*", "*", None): (
        "SUCCEEDED",
        "after a planned move: the old region stays at full capacity, noted",
    ),
    ("FailoverRunbook", "lambda", "Invoke", "StandbyFunction"): (
        "SUCCEEDED",
        "the same, when the standby step cannot be invoked",
    ),
    ("ProbeFunction", "*", "*", None): (
        "SUCCEEDED",
        "one outside-in signal: a probe that cannot read publishes no verdict (unknown, never failing), and the"
        " alarms that confirm the outage start the run",
    ),
    WARM_UPS_AT_PLAN: (
        "SUCCEEDED",
        "the warm-ups of the runbook's later steps (asynchronous, best effort): refused, those steps start cold, as"
        " they would have without them; logged and ignored",
    ),
}
# Best-effort callers outside the run: their faults cannot be named in its record (their own report names them).
OUTSIDE_THE_RUN: Final = frozenset({"ProbeFunction"})
# Scheduled functions the matrix plays apart, not in its drills (their schedules off there): the readiness report,
# which nothing in a run reads (preflight reads readiness itself). Its faults are the ``readiness`` group's
# (``evacops.chaos.readiness``), judged by what it answers.
PLAYED_APART: Final = ("ReadinessFunction",)
READY, NOT_READY = "ready", "not ready"  # what a readiness case expects the report to answer
# The readiness reads only warnings need (their checks in evac.domain.readiness.catalogue): a fault there leaves the
# report ready, the warning naming what went unread. A fault at any other read leaves it not ready (fail closed).
WARNING_READS: Final[dict[tuple[str, str], str]] = {
    ("service-quotas", "ListServiceQuotas"): "servicequotas.instance_quota",
    ("sagemaker", "ListEndpoints"): "servicequotas.instance_quota (the capacity the endpoints already use)",
    ("cloudwatch", "GetMetricStatistics"): "rds.replication_lag, s3.replication_latency",
    ("cloudwatch", "DescribeAlarms"): "route53.health_check_status",
    ("route53", "GetHealthCheck"): "route53.health_checks",
    ("sagemaker", "DescribeModelPackageGroup"): "sagemaker.model_packages, ml.state_lag",
    ("sagemaker", "ListModelPackages"): "sagemaker.model_packages, ml.state_lag",
    ("sagemaker", "DescribeModelPackage"): "sagemaker.model_packages, ml.state_lag",
    ("s3", "GetBucketVersioning"): "s3.versioning",
    ("s3", "GetBucketEncryption"): "s3.encryption, s3.replication",
    ("s3", "GetBucketReplication"): "s3.replication, s3.replication_latency",
    ("ecr", "DescribeRepositories"): "ecr.replication",
    ("ecr", "DescribeRegistry"): "ecr.replication",
    ("application-autoscaling", "DescribeScalableTargets"): "sagemaker.autoscaling",
}
# Preflight's own checks of the target (cluster, endpoints, record): required. Its other calls are readiness's reads
# of the target and the primary: a check it cannot read is "unknown", recorded, and never blocks a run; a check whose
# read IAM denied fails (an IAM regression must not switch the guard off), and blocks an unplanned run if critical.
PREFLIGHT_CHECKS: Final = frozenset(
    {
        ("rds", "DescribeDBClusters"),
        ("sagemaker", "ListEndpoints"),
        ("route53", "ListHostedZonesByName"),
        ("route53", "ListResourceRecordSets"),
    }
)
READINESS_READ: Final = (
    "SUCCEEDED",
    "a readiness read: an unreadable check is unknown and recorded; a denied one fails its check, which blocks an"
    " unplanned run (SecondaryNotReadyError naming it) when the check is critical",
)
# Permanent faults that take away one piece of evidence: (caller, service, operation, target) -> the invariant
# excused; the others must carry the news.
EXEMPT: Final = {
    ("RecordFunction", "dynamodb", "PutItem", None): "run_record",
    ("FailoverRunbook", "lambda", "Invoke", "RecordFunction"): "run_record",
    ("FailoverRunbook", "sns", "Publish", None): "notified",
    ("FailoverRunbook", "dynamodb", "DeleteItem", None): "lock_released",
}


# A prober that watches the failing region and cannot publish has no vote: the outage is seen from fewer vantage
# points than the plan's quorum asks, so nothing starts (fail closed), as when a partition blinds one of them.
SILENT_VANTAGE: Final = (
    "SKIPPED",
    "a vantage point watching the failing region cannot publish its probes: it has no vote, the outage is seen from"
    " fewer vantage points than the plan's quorum asks, and nothing starts (fail closed)",
)


# A planned switchover needs no RPO estimate: Aurora synchronises the secondary before it switches, so nothing is lost.
PLANNED_RPO: Final = (
    "SUCCEEDED",
    "a planned switchover loses nothing (Aurora synchronises the secondary first): the RPO estimate it could not read"
    " is not needed, and noted",
)


def readiness_expectation(site: Site) -> str:
    """What the readiness report must answer with a fault at ``site``, whatever its kind: every kind leaves the read
    unanswered (the fault outlasts that call's botocore attempts, and readiness reads once), and only a warning's
    read may leave it ready."""
    return READY if (site.service, site.operation) in WARNING_READS else NOT_READY


def best_effort(site: Site) -> tuple[str, str] | None:
    """(expected status, why) if the site is one the runbook can do without."""
    publishes = site.key == ("ProbeFunction", "cloudwatch", "PutMetricData", None)
    if publishes and site.region != site.source_region and site.scenario == "primary-outage":
        return SILENT_VANTAGE  # where the probes' votes start the run; a planned run is started by a person
    if site.key == RPO_READ and site.scenario == "planned-switchover":
        return PLANNED_RPO
    if site.caller == "PreflightFunction":
        own_check = (site.service, site.operation) in PREFLIGHT_CHECKS and site.region in (site.target_region, GLOBAL)
        return None if own_check else READINESS_READ
    return BEST_EFFORT.get(site.key) or BEST_EFFORT.get((site.caller, "*", "*", None))


# The trigger and its confirmation watch (the ``trigger`` group) decide whether a runbook starts at all, so a fault
# there is judged by what started: a transient one (or one after effect) is retried, or another alarm's watch of the
# same incident starts the run, so exactly one runbook starts and succeeds. A permanent one fails closed: nothing
# starts on evidence nobody could read, and people are told (a held-back or failed-to-confirm message, or, for the
# trigger itself, the failed alarm event kept by its on-failure destination, whose alarm notifies). Never two runbooks.
STARTED: Final = "SUCCEEDED"
HELD_BACK: Final = "SKIPPED"
TRIGGER_DENIED: Final[dict[tuple[str, str, str, str | None], tuple[str, str]]] = {
    ("TriggerFunction", "stepfunctions", "StartExecution", None): (
        HELD_BACK,
        "no watch starts: the alarm event fails, Lambda keeps it in the on-failure destination, whose alarm notifies",
    ),
    ("ConfirmWatch", "sns", "Publish", None): (
        STARTED,
        "the 'failover started' message: the runbook is already started, and its own notifications tell people",
    ),
    WARM_UPS_AT_TRIGGER: (
        STARTED,
        "the warm-ups of the watch's and the runbook's functions (asynchronous, best effort): refused, they start"
        " cold, as they would have without them; logged and ignored, and the watch starts the run as ever",
    ),
}
TRIGGER_DENIED_DEFAULT: Final = (
    HELD_BACK,
    "a read the decision needs, the claim of its one message, or the start itself: fail closed; no runbook, and the"
    " watch tells people it could not decide (or held the failover back)",
)
PEER_LEDGER: Final = (
    STARTED,
    "the peer region's ledger (its last failover, for the cooldown): a bonus, since the peer may be the failing region",
)
TRIGGER_TRANSIENT: Final = (STARTED, "retried, or another alarm's watch of the incident starts the one runbook")


def trigger_expectation(site: Site, *, permanent: bool) -> tuple[str, str] | None:
    """(expected status, why) for a site of the trigger or its watch; None for any other site."""
    if site.group != "trigger":
        return None
    if not permanent:
        return TRIGGER_TRANSIENT
    if site.service == "dynamodb" and site.operation == "GetItem" and site.region != site.target_region:
        return PEER_LEDGER
    return TRIGGER_DENIED.get(site.key, TRIGGER_DENIED_DEFAULT)
