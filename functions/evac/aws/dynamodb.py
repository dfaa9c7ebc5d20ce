"""DynamoDB: the run ledger. The lock lives in the same table but is taken and released by the runbook's own
DynamoDB integrations (see ``state_machines/failover.asl.json``), so no Lambda can forget to release it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from evac.aws.clients import client

if TYPE_CHECKING:
    from evac.domain.models import RunRecord

RUN_PREFIX = "run#"
LAST_PREFIX = "last#"


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

    def last_failover(self, application: str) -> datetime | None:
        """When the application last failed over successfully, as this region's ledger knows it."""
        item = self._dynamodb.get_item(TableName=self.table, Key={"pk": {"S": LAST_PREFIX + application}}).get("Item")
        return datetime.fromisoformat(item["at"]["S"]) if item else None

    def get(self, incident_id: str) -> dict[str, Any] | None:
        item = self._dynamodb.get_item(TableName=self.table, Key={"pk": {"S": RUN_PREFIX + incident_id}}).get("Item")
        return json.loads(item["record"]["S"]) if item else None

    def lock_holder(self, application: str) -> str | None:
        item = self._dynamodb.get_item(TableName=self.table, Key={"pk": {"S": lock_key(application)}}).get("Item")
        return item["incident_id"]["S"] if item else None
