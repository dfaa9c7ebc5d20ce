"""Drills of a target that is not ready, and of the person who decides.

``secondary-not-ready``: the model artifact never replicated to the secondary when the primary fails. Preflight
finds it (a critical readiness finding) and, under the plan's default ``readiness.on_critical: approve``, the run
waits for a person with the finding, its evidence and remediation in the approval request. Approved, it fails over
anyway; rejected (``secondary-not-ready-rejected``, or ``--reject``), it aborts with ``SecondaryNotReadyError`` and
writer, DNS and the standby stay as they were.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Literal

import boto3

from evac.aws.dynamodb import APPROVAL_PREFIX, Ledger
from evac.aws.stepfunctions import TaskTokens
from evac.domain.approvals import answer
from evacops.drill.scenarios import Scenario, primary_outage
from evacops.localcloud.seed import MODEL_KEY

if TYPE_CHECKING:
    from evacops.drill.scenarios import Options
    from evacops.localcloud import LocalCloud

FINDING = "s3.model_artifact"


def answer_approval(cloud: LocalCloud, options: Options, region: str, incident_id: str | None = None) -> None:
    """Once the run in ``region`` (``incident_id``, or the first to ask there) asks for approval, answer it as
    ``options`` say, through the same path `evac approve` / `evac reject` and the approval function use
    (``evac.domain.approvals.answer``)."""
    ledger = Ledger(cloud.stacks[region].table, region)
    if options.approve_after is None:
        return  # a person answers from another terminal; the drill follows the run until it ends
    asked = cloud.wait_until(lambda: _asking(cloud, region, incident_id) is not None or bool(cloud.truth.runs(region)))
    run = _asking(cloud, region, incident_id)
    if not asked or run is None:
        return  # the run ended (or never started) without asking; the report says how
    cloud.clock.sleep(options.approve_after)
    decision: Literal["approve", "reject"] = "reject" if options.reject else "approve"
    comment = "drill: rejected by the incident commander" if options.reject else "drill: approved as it stands"
    if options.console:  # the IAM-authorised path: Lambda Invoke of the approval function with events/approve.json
        payload = {"run": run, "decision": decision, "approver": options.approver, "reason": comment}
        boto3.client("lambda", region).invoke(
            FunctionName=cloud.stacks[region].function_arns["ApprovalFunction"], Payload=json.dumps(payload).encode()
        )
        return
    answer(run, decision, by=options.approver, comment=comment, ledger=ledger, tokens=TaskTokens(region))


def _asking(cloud: LocalCloud, region: str, incident_id: str | None) -> str | None:
    """The incident whose approval is pending in ``region``'s ledger (``incident_id``'s, if given), if any."""
    for item in cloud.truth.items(region):
        key = str(item["pk"])
        if key.startswith(APPROVAL_PREFIX) and item.get("status") == "pending":
            found = key.removeprefix(APPROVAL_PREFIX)
            if incident_id in (None, found):
                return found
    return None


def _model_artifact_missing(cloud: LocalCloud) -> None:
    """The first endpoint's model artifact never reached the secondary's bucket (deleted: a delete marker hides it)."""
    plan = cloud.plan
    bucket = next(b for b in plan.readiness.buckets if b.purpose == "model-artifacts").names[plan.regions.secondary]
    key = MODEL_KEY.format(endpoint=plan.inference.endpoints[0].name)
    boto3.client("s3", plan.regions.secondary).delete_object(Bucket=bucket, Key=key)


def _outage_then_decide(cloud: LocalCloud, options: Options) -> None:
    """The primary's alarms fire; the run that starts asks a person, who answers as ``options`` say."""
    primary_outage(cloud, options)
    answer_approval(cloud, options, cloud.plan.regions.secondary)


def _outage_then_reject(cloud: LocalCloud, options: Options) -> None:
    _outage_then_decide(cloud, dataclasses.replace(options, reject=True))


def scenarios() -> list[Scenario]:
    return [
        Scenario(
            "secondary-not-ready",
            "Unplanned, but the model artifact never replicated to the secondary: the run waits for a person with "
            "the finding, its evidence and remediation; approved, it fails over anyway (--reject: it aborts).",
            _outage_then_decide,
            "failover",
            prepare=_model_artifact_missing,
            approval=FINDING,
            error="SecondaryNotReadyError",
        ),
        Scenario(
            "secondary-not-ready-rejected",
            "As secondary-not-ready, and the person rejects: the run aborts with SecondaryNotReadyError; writer, "
            "DNS and the standby stay as they were.",
            _outage_then_reject,
            "aborted",
            prepare=_model_artifact_missing,
            approval=FINDING,
            error="SecondaryNotReadyError",
        ),
    ]
