"""DynamoDB: the run ledger, and the application's global tables (feature store, metadata).

The lock lives in the ledger's table but is taken and released by the runbook's own DynamoDB integrations (see
``state_machines/failover.asl.json``), so no Lambda can forget to release it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from evac.aws.clients import client
from evac.aws.errors import aws_errors, error_code
from evac.domain.ports import PriorRun, TableReplicas
from evac.errors import ResourceNotFoundError

if TYPE_CHECKING:
    from evac.domain.run_record import RunRecord

RUN_PREFIX = "run#"
LAST_PREFIX = "last#"
APPROVAL_PREFIX = "approval#"
SCALING_PREFIX = "scaling#"
NOTICE_PREFIX = "notice#"
ARC_PREFIX = "arc#"


def lock_key(application: str) -> str:
    return f"lock#{application}"


class Ledger:
    def __init__(self, table: str, region: str, *, probe: bool = False) -> None:
        self.table = table
        self._dynamodb = client("dynamodb", region, probe=probe)

    def put(self, record: RunRecord) -> None:
        """Write the record; the whole record is kept as JSON beside a few attributes to query on."""
        self._dynamodb.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": RUN_PREFIX + record.incident_id},
                "outcome": {"S": record.outcome},
                "recorded_at": {"S": record.recorded_at.isoformat()},
                "record": {"S": record.model_dump_json()},
            },
        )
        if record.outcome == "SUCCEEDED":
            self._dynamodb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": LAST_PREFIX + record.application},
                    "incident_id": {"S": record.incident_id},
                    "at": {"S": record.recorded_at.isoformat()},
                    "target_region": {"S": record.target_region or ""},
                },
            )

    def claim_notice(self, incident_id: str, kind: str, at: datetime) -> bool:
        """Claim telling people of ``incident_id``'s ``kind`` of decision (held back, started, failed): True for the
        first claimant only (a conditional put), so every watch of one incident tells it once."""
        try:
            self._dynamodb.put_item(
                TableName=self.table,
                Item={"pk": {"S": f"{NOTICE_PREFIX}{incident_id}#{kind}"}, "at": {"S": at.isoformat()}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def last_failover(self, application: str) -> datetime | None:
        """When the application last failed over successfully, as this region's ledger knows it."""
        item = self._dynamodb.get_item(TableName=self.table, Key={"pk": {"S": LAST_PREFIX + application}}).get("Item")
        return datetime.fromisoformat(item["at"]["S"]) if item else None

    def get(self, incident_id: str) -> dict[str, Any] | None:
        item = self._dynamodb.get_item(TableName=self.table, Key={"pk": {"S": RUN_PREFIX + incident_id}}).get("Item")
        return json.loads(item["record"]["S"]) if item else None

    def prior_run(self, incident_id: str) -> PriorRun | None:
        """The earlier run of this incident the ledger holds, if any (strongly consistent: it may be seconds old)."""
        item = self._dynamodb.get_item(
            TableName=self.table, Key={"pk": {"S": RUN_PREFIX + incident_id}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        record = json.loads(item["record"]["S"])
        detected = record.get("detected_at")
        return PriorRun(
            incident_id=incident_id,
            outcome=str(record.get("outcome")),
            target_region=record.get("target_region"),
            strategy=record.get("strategy"),
            detected_at=datetime.fromisoformat(detected) if detected else None,
            rpo_seconds=record.get("rpo_seconds"),
        )

    def lock_holder(self, application: str) -> str | None:
        item = self._dynamodb.get_item(TableName=self.table, Key={"pk": {"S": lock_key(application)}}).get("Item")
        return item["incident_id"]["S"] if item else None

    def run_in_flight(self, application: str, now: datetime) -> str | None:
        """The incident whose run holds ``application``'s lock at ``now`` (within its lease), if any: the runbook's
        AcquireLock refuses every other incident until then. A lock without a readable lease holds, as there."""
        item = self._dynamodb.get_item(
            TableName=self.table, Key={"pk": {"S": lock_key(application)}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        try:
            expires = datetime.fromisoformat(item["expires_at"]["S"])
        except (KeyError, ValueError):
            return str(item["incident_id"]["S"])
        return str(item["incident_id"]["S"]) if expires >= now else None

    def runs(self) -> list[dict[str, Any]]:
        """Every run record in this region's ledger, newest first."""
        pages = self._dynamodb.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="begins_with(pk, :run)",
            ExpressionAttributeValues={":run": {"S": RUN_PREFIX}},
        )
        records = [json.loads(item["record"]["S"]) for page in pages for item in page["Items"]]
        return sorted(records, key=lambda r: r["recorded_at"], reverse=True)

    # --- an ARC Region switch execution's progress: what each custom action decided or found, by part ------------

    def arc_progress(self, incident_id: str) -> dict[str, Any]:
        """Every part the custom actions of ``incident_id``'s ARC execution saved so far, decoded."""
        key = {"pk": {"S": ARC_PREFIX + incident_id}}
        item = self._dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item") or {}
        return _parts(item)

    def save_arc_progress(self, incident_id: str, part: str, value: str, *, first: bool = False) -> dict[str, Any]:
        """Save ``part`` (JSON) of the execution's progress and return every part; with ``first``, a part already
        saved is kept (one conditional update: the first writer decides, every later one reads its decision)."""
        expression = "SET #part = if_not_exists(#part, :value)" if first else "SET #part = :value"
        item = self._dynamodb.update_item(
            TableName=self.table,
            Key={"pk": {"S": ARC_PREFIX + incident_id}},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#part": part},
            ExpressionAttributeValues={":value": {"S": value}},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return _parts(item)

    # --- autoscaling a capacity fallback deregistered, kept until it is registered again ---------------------------

    def save_scaling(self, endpoint: str, variant: str, saved: dict[str, Any], incident_id: str) -> None:
        """Keep ``saved`` unless an earlier save still waits (conditional put: that one holds the policies)."""
        try:
            self._dynamodb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": _scaling_key(endpoint, variant)},
                    "saved": {"S": json.dumps(saved)},
                    "incident_id": {"S": incident_id},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return

    def saved_scaling(self, endpoint: str, variant: str) -> dict[str, Any] | None:
        key = {"pk": {"S": _scaling_key(endpoint, variant)}}
        item = self._dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        return dict(json.loads(item["saved"]["S"])) if item else None

    def forget_scaling(self, endpoint: str, variant: str) -> None:
        self._dynamodb.delete_item(TableName=self.table, Key={"pk": {"S": _scaling_key(endpoint, variant)}})

    # --- approvals: a run waiting for a person keeps its task token here ------------------------------------------

    def request_approval(self, incident_id: str, token: str, requested_at: datetime, summary: str) -> None:
        self._dynamodb.put_item(
            TableName=self.table,
            Item={
                "pk": {"S": APPROVAL_PREFIX + incident_id},
                "token": {"S": token},
                "status": {"S": "pending"},
                "requested_at": {"S": requested_at.isoformat()},
                "summary": {"S": summary},
            },
        )

    def approval(self, incident_id: str) -> dict[str, str] | None:
        key = {"pk": {"S": APPROVAL_PREFIX + incident_id}}
        item = self._dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        return {k: v["S"] for k, v in item.items()} if item else None

    def close_approval(self, incident_id: str, status: str, by: str, at: datetime, comment: str) -> bool:
        """Mark a pending approval answered; False if someone answered it first."""
        try:
            self._dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": APPROVAL_PREFIX + incident_id}},
                UpdateExpression="SET #status = :status, decided_by = :by, decided_at = :at, #comment = :comment",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status", "#comment": "comment"},
                ExpressionAttributeValues={
                    ":status": {"S": status},
                    ":by": {"S": by},
                    ":at": {"S": at.isoformat()},
                    ":comment": {"S": comment},
                    ":pending": {"S": "pending"},
                },
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _parts(item: dict[str, Any]) -> dict[str, Any]:
    return {name: json.loads(value["S"]) for name, value in item.items() if name != "pk"}


def _scaling_key(endpoint: str, variant: str) -> str:
    return f"{SCALING_PREFIX}{endpoint}/{variant}"


class GlobalTables:
    """Global tables as one region sees them: version 2019.11.21 in DescribeTable's ``Replicas``, version 2017.11.29
    in DescribeGlobalTable's ``ReplicationGroup``
    (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeGlobalTable.html)."""

    def __init__(self, region: str, *, probe: bool = False) -> None:
        self.region = region
        self._dynamodb = client("dynamodb", region, probe=probe)

    def replicas(self, table: str) -> TableReplicas:
        """The table's status here and every replica's status by region (none if it is not a global table)."""
        with aws_errors():
            try:
                found = self._dynamodb.describe_table(TableName=table)["Table"]
            except ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    raise ResourceNotFoundError(f"table {table} does not exist in {self.region}") from exc
                raise
        version = str(found.get("GlobalTableVersion", "2019.11.21"))
        if found.get("Replicas"):
            replicas = {r["RegionName"]: str(r.get("ReplicaStatus", "ACTIVE")) for r in found["Replicas"]}
            return TableReplicas(status=str(found["TableStatus"]), replicas=replicas, version=version)
        with aws_errors():
            try:
                group = self._dynamodb.describe_global_table(GlobalTableName=table)["GlobalTableDescription"]
            except ClientError as exc:
                if error_code(exc) in ("GlobalTableNotFoundException", "UnknownOperationException"):
                    return TableReplicas(status=str(found["TableStatus"]))  # not a global table
                raise
        replicas = {r["RegionName"]: str(r.get("ReplicaStatus", "ACTIVE")) for r in group.get("ReplicationGroup", [])}
        return TableReplicas(status=str(found["TableStatus"]), replicas=replicas, version="2017.11.29")
