"""Safe reruns: a runbook run again for the same incident continues from what is done and changes nothing more; a new
failover to the region already active is refused. (Step Functions' redrive resumes a failed execution in AWS; moto
has no ``redrive_execution``, so the rerun path - a new execution for the same incident - is what is proven here.)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from evac.aws.dynamodb import Ledger
from evacops.drill.scenarios import EVENTS
from evacops.localcloud.faults import Fault

if TYPE_CHECKING:
    from evacops.localcloud import LocalCloud

pytestmark = pytest.mark.e2e
REGION = "us-west-2"
# The calls that change something: a rerun of a completed run makes none of them.
CHANGES = {"FailoverGlobalCluster", "UpdateEndpointWeightsAndCapacities", "ChangeResourceRecordSets"}


def start(cloud: LocalCloud, name: str, **changes: Any) -> dict[str, Any]:
    """Start the runbook with the unplanned drill input (``changes`` applied), wait for everything to settle."""
    request = json.loads((EVENTS / "drill-unplanned.json").read_text(encoding="utf-8")) | changes
    sfn = boto3.client("stepfunctions", REGION)
    arn = sfn.start_execution(stateMachineArn=cloud.stacks[REGION].runbook_arn, name=name, input=json.dumps(request))
    cloud.quiesce()
    return dict(sfn.describe_execution(executionArn=arn["executionArn"]))


def state(cloud: LocalCloud) -> tuple[str | None, str | None, int, list[dict[str, Any]]]:
    return cloud.writer_region(), cloud.dns_region(), len(cloud.route53.history), cloud.endpoints()


def test_a_completed_run_run_again_for_the_same_incident_changes_nothing_and_succeeds(cloud: LocalCloud) -> None:
    # GIVEN a completed unplanned failover
    first = start(cloud, "drill-unplanned")
    incident = json.loads(first["input"])["incident_id"]
    before, calls_before = state(cloud), len(cloud.faults.calls)

    # WHEN the same incident's runbook runs again (a new execution: names are unique for 90 days)
    again = start(cloud, "drill-unplanned-rerun")

    # THEN it succeeds, resuming the first run, and changes nothing
    assert (first["status"], again["status"]) == ("SUCCEEDED", "SUCCEEDED")
    assert state(cloud) == before
    changes = {c.operation for c in cloud.faults.calls[calls_before:]}
    assert changes.isdisjoint(CHANGES)
    record = Ledger(cloud.stacks[REGION].table, REGION).get(incident)
    assert record is not None
    assert (record["outcome"], record["resumed"]) == ("SUCCEEDED", True)


def test_a_new_failover_to_the_region_already_active_is_refused_and_changes_nothing(cloud: LocalCloud) -> None:
    start(cloud, "drill-unplanned")
    before = state(cloud)

    another = start(cloud, "another-incident", incident_id="another-incident")

    assert (another["status"], another["error"]) == ("FAILED", "AlreadyActiveError")
    assert state(cloud) == before


def test_a_failed_run_rerun_for_the_same_incident_continues_from_what_is_done(cloud: LocalCloud) -> None:
    # GIVEN a run that failed after promoting the database and scaling inference: Route 53 refused the change
    cloud.faults.inject(Fault("access-denied", service="route53", operation="ChangeResourceRecordSets", calls=None))
    failed = start(cloud, "drill-unplanned")
    incident = json.loads(failed["input"])["incident_id"]
    assert (failed["status"], cloud.writer_region(), cloud.dns_region()) == ("FAILED", "us-west-2", "us-east-1")
    ledger = Ledger(cloud.stacks[REGION].table, REGION)
    first = ledger.get(incident)
    assert first is not None
    # WHEN the permission is fixed and the incident's runbook runs again
    cloud.faults.heal()
    calls_before = len(cloud.faults.calls)
    resumed = start(cloud, "drill-unplanned-resume")

    # THEN it finishes the failover without promoting or scaling again, and its RTO counts from the first alarm
    assert resumed["status"] == "SUCCEEDED"
    assert cloud.writer_region() == cloud.dns_region() == REGION
    again = {c.operation for c in cloud.faults.calls[calls_before:]}
    assert again.isdisjoint({"FailoverGlobalCluster", "UpdateEndpointWeightsAndCapacities"})
    assert "ChangeResourceRecordSets" in again
    record = ledger.get(incident)
    assert record is not None
    assert (record["outcome"], record["resumed"], record["strategy"]) == ("SUCCEEDED", True, "failover")
    assert record["detected_at"] == first["detected_at"]
    assert record["rto_seconds"] > (record["phases"][-1]["seconds"])
