"""The runs ledger (ports RunLedger, SavedScaling)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evac.domain.ports import PriorRun


@dataclass
class FakeRunLedger:
    """The runs the ledger holds, by incident id."""

    runs: dict[str, PriorRun] = field(default_factory=dict)

    def prior_run(self, incident_id: str) -> PriorRun | None:
        return self.runs.get(incident_id)


@dataclass
class FakeSavedScaling:
    """Autoscaling a capacity fallback deregistered, by endpoint, until it is registered again."""

    saved: dict[str, dict[str, Any]] = field(default_factory=dict)

    def save_scaling(self, endpoint: str, variant: str, saved: dict[str, Any], incident_id: str) -> None:
        self.saved.setdefault(endpoint, saved)  # an earlier save still waiting is the one kept

    def saved_scaling(self, endpoint: str, variant: str) -> dict[str, Any] | None:
        return self.saved.get(endpoint)

    def forget_scaling(self, endpoint: str, variant: str) -> None:
        self.saved.pop(endpoint, None)
