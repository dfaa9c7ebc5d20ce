"""Never make it worse: what a run that fails after it started to promote does about it.

A planned switchover that fails before any traffic moved switches the database back to where it started
(``switch_back``): the primary was healthy, so the run must not leave its own write outage behind. An unplanned run
cannot go back (the primary is gone): after bounded retries of the traffic step (the ASL's), it ends with
``ManualCompletionRequiredError`` and its notification carries ``finish_by_hand``, the exact commands that finish the
failover: capacity first, then the database if it is not the writer yet, then DNS (principle 3's order).

Both are decided from the run alone: ``finish_by_hand`` is written into the run when it is planned, so the failure
path needs no call (nor permission) to say it.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Final

from evac import clock
from evac.domain.dns_switch import manual_weights_command
from evac.domain.models import Poll
from evac.domain.polling import first_wait, polled

if TYPE_CHECKING:
    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import GlobalDatabase

ESCALATION: Final = "ManualCompletionRequiredError"  # the ASL's Escalate state names the run's error so


def finish_by_hand(run: Run, plan: RecoveryPlan) -> str:
    """The AWS CLI commands, in order, that finish the run's failover by hand (each safe to run again): the target's
    capacity, its database (unless it already writes), then DNS."""
    database = plan.database
    target = run.target_region
    items = " ".join(shlex.quote(f"{e.name} {e.variant} {e.active_instances}") for e in plan.inference.endpoints)
    capacity = (
        f"for e in {items}; do set -- $e; "
        f"aws application-autoscaling register-scalable-target --region {target} --service-namespace sagemaker "
        "--resource-id endpoint/$1/variant/$2 --scalable-dimension sagemaker:variant:DesiredInstanceCount "
        f"--min-capacity $3 && aws sagemaker update-endpoint-weights-and-capacities --region {target} "
        "--endpoint-name $1 --desired-weights-and-capacities VariantName=$2,DesiredInstanceCount=$3 && "
        f"aws sagemaker wait endpoint-in-service --region {target} --endpoint-name $1; done"
    )
    cluster = (
        f"$(aws rds describe-db-clusters --region {target} --db-cluster-identifier {database.clusters[target]} "
        "--query 'DBClusters[0].DBClusterArn' --output text)"
    )
    writer = (
        f"aws rds describe-global-clusters --region {target} --global-cluster-identifier {database.global_cluster} "
        "--query 'GlobalClusters[0].GlobalClusterMembers[?IsWriter].DBClusterArn' --output text"
    )
    promote = (
        f"aws rds failover-global-cluster --region {target} --global-cluster-identifier {database.global_cluster} "
        f"--target-db-cluster-identifier {cluster} --allow-data-loss"
    )
    return (
        f"1) capacity in {target}: {capacity}  "
        f"2) the database, unless `{writer}` already names {database.clusters[target]}: {promote}  "
        f"3) DNS, once both are done: {manual_weights_command(run, plan)}"
    )


def switch_back(run: Run, plan: RecoveryPlan, poll: Poll | None, *, database: GlobalDatabase) -> Poll:
    """Put the writer back in the run's source region (a planned run that failed before moving traffic).

    Polled by the ASL until ``done``; idempotent: while any switchover is in flight it waits, once it is over it
    starts the switchover back if the writer is not in the source already. The call goes to the target's regional
    API (principle 1: the runbook runs there), which answers for the whole global cluster.
    """
    started_at = clock.now()
    poll = poll or Poll(
        started_at=started_at, wait_seconds=first_wait("database", plan.expectations.database_promotion_seconds)
    )
    state = database.global_state(plan.database.global_cluster)
    done = state.writer_region == run.source_region and state.promoting_to is None
    if not done and state.promoting_to is None:
        database.switchover(plan.database.global_cluster, _source_arn(run, plan, database))
    expected = plan.expectations.database_promotion_seconds
    return polled(poll, "database", expected, done=done, writer_region=state.writer_region, status=state.status)


def _source_arn(run: Run, plan: RecoveryPlan, database: GlobalDatabase) -> str:
    """The source cluster's ARN, from the target's (DescribeDBClusters answers only for its own region's clusters)."""
    arn = database.cluster_arn(plan.database.clusters[run.target_region]).split(":")
    arn[3], arn[-1] = run.source_region, plan.database.clusters[run.source_region]
    return ":".join(arn)
