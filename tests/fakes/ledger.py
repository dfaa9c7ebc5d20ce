"""The runs ledger (port RunLedger)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evac.domain.ports import PriorRun


@dataclass
class FakeRunLedger:
    """The runs the ledger holds, by incident id."""

    runs: dict[str, PriorRun] = field(default_factory=dict)

    def prior_run(self, incident_id: str) -> PriorRun | None:
        return self.runs.get(incident_id)
