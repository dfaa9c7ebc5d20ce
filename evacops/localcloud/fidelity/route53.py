"""Route 53 change propagation: ``PENDING`` until every name server has the change, then ``INSYNC`` (moto 5.2.5:
INSYNC at once)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.route53.exceptions import Route53ClientError
from moto.route53.responses import Route53

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.fidelity.latencies import Latencies


class Route53Propagation:
    """``ChangeResourceRecordSets`` answers ``PENDING`` with a fresh change id; ``GetChange`` says ``INSYNC`` once
    the change has propagated to every Route 53 name server (API_ChangeResourceRecordSets, API_GetChange).

    ``history`` keeps each change with the modelled time it was submitted and became INSYNC, so drills can tell
    which region DNS sent traffic to at any moment; with ``observe`` set, each entry also keeps what it returned at
    the moment the change was submitted (``world``: the local cloud's ground truth, for invariants).
    """

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.insync: dict[str, bool] = {}
        self.history: list[dict[str, Any]] = []
        self.observe: Callable[[], dict[str, Any]] | None = None
        self._ids = itertools.count(1)

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_change = Route53.change_resource_record_sets

        def change(response: Route53) -> ActionResult:
            result = original_change(response)
            change_id = f"/change/C{next(extension._ids):012d}EVAC"
            extension.insync[change_id] = False
            entry = {
                "id": change_id,
                "changes": response._get_param("ChangeBatch.Changes"),
                "submitted": extension.timeline.clock.elapsed(),
                "submitted_at": extension.timeline.clock.now(),
                "insync": None,
                "world": extension.observe() if extension.observe else None,
            }
            extension.history.append(entry)

            def propagated() -> None:
                extension.insync[change_id] = True
                entry["insync"] = extension.timeline.moment()

            extension.timeline.after(extension.latencies.dns_propagation, propagated)
            result.result["ChangeInfo"].update(  # type: ignore[index]
                Id=change_id, Status="PENDING", SubmittedAt=entry["submitted_at"]
            )
            return result

        def get_change(response: Route53) -> ActionResult:
            extension.timeline.settle()
            change_id = response._get_param("Id")
            change_id = change_id if change_id.startswith("/change/") else f"/change/{change_id}"
            entry = next((e for e in extension.history if e["id"] == change_id), None)
            if entry is None:
                raise Route53ClientError(
                    "NoSuchChange", f"A change with the specified change ID does not exist: {change_id}"
                )
            status = "INSYNC" if extension.insync[change_id] else "PENDING"
            return ActionResult(
                {"ChangeInfo": {"Id": change_id, "Status": status, "SubmittedAt": entry["submitted_at"]}}
            )

        stack.enter_context(patch.object(Route53, "change_resource_record_sets", change))
        stack.enter_context(patch.object(Route53, "get_change", get_change))
