"""DynamoDB global tables, version 2019.11.21: replicas in other regions (moto 5.2.5: no replicas at all)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.responses import DynamoHandler

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.fidelity.latencies import Latencies


class DynamoDBGlobalTables:
    """Global tables, version 2019.11.21: a table with replicas in other regions, all kept by ``UpdateTable``.

    ``UpdateTable`` with ``ReplicaUpdates`` ``Create`` adds a replica in another region: a table of the same name and
    key schema appears there, ``CREATING`` until the replica is built, then ``ACTIVE``; ``Delete`` removes it
    (API_UpdateTable, API_ReplicationGroupUpdate). ``DescribeTable`` lists the other regions' replicas with their
    ``ReplicaStatus`` (API_TableDescription, API_ReplicaDescription). Creating a replica in the table's own region or
    one it already has is a ``ValidationException``.
    """

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.groups: dict[tuple[str, str], dict[str, str]] = {}  # (account, table) -> region -> ReplicaStatus

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_update = DynamoHandler.update_table
        original_describe = DynamoHandler.describe_table

        def update_table(response: DynamoHandler) -> Any:
            extension.timeline.settle()
            for change in response.body.get("ReplicaUpdates") or []:
                if "Create" in change:
                    extension._create(response, change["Create"]["RegionName"])
                elif "Delete" in change:
                    extension._delete(response, change["Delete"]["RegionName"])
            return extension._described(response, original_update(response))

        def describe_table(response: DynamoHandler) -> Any:
            extension.timeline.settle()
            return extension._described(response, original_describe(response))

        stack.enter_context(patch.object(DynamoHandler, "update_table", update_table))
        stack.enter_context(patch.object(DynamoHandler, "describe_table", describe_table))

    def _create(self, response: DynamoHandler, region: str) -> None:
        account, here, name = response.current_account, response.region, response.body["TableName"]
        table = dynamodb_backends[account][here].get_table(name)
        group = self.groups.setdefault((account, name), {here: "ACTIVE"})
        if region == here or region in group:
            raise MockValidationException(
                f"Failed to create a the new replica of table with name: '{name}' "
                f"because one or more replicas already existed as tables."
            )
        billing = table.billing_mode or "PROVISIONED"
        dynamodb_backends[account][region].create_table(
            name,
            schema=table.schema,
            throughput=table.throughput if billing == "PROVISIONED" else None,
            attr=table.attr,
            global_indexes=None,
            indexes=None,
            streams=table.stream_specification,
            billing_mode=billing,
            sse_specification=None,
            tags=[],
            deletion_protection_enabled=None,
            warm_throughput=None,
        )
        group[region] = "CREATING"

        def built() -> None:
            if group.get(region) == "CREATING":
                group[region] = "ACTIVE"

        self.timeline.after(self.latencies.dynamodb_replica, built)

    def _delete(self, response: DynamoHandler, region: str) -> None:
        group = self.groups.get((response.current_account, response.body["TableName"]), {})
        if region not in group or region == response.region:
            raise MockValidationException(f"{response.body['TableName']} has no replica in {region} to delete")
        del group[region]
        dynamodb_backends[response.current_account][region].delete_table(response.body["TableName"])

    def _described(self, response: DynamoHandler, result: Any) -> Any:
        group = self.groups.get((response.current_account, response.body["TableName"]))
        for key in ("Table", "TableDescription"):
            if group and isinstance(result, ActionResult) and key in result.result:  # type: ignore[operator]
                described = result.result[key]  # type: ignore[index]
                described["TableStatus"] = group.get(response.region, described.get("TableStatus"))
                described["Replicas"] = [
                    {"RegionName": r, "ReplicaStatus": s} for r, s in sorted(group.items()) if r != response.region
                ]
        return result
