"""Route 53: the weighted record and its health checks (ports RecordWeights, RecordSets)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from evac.domain.readiness.dns import HealthReading


@dataclass
class FakeRecordWeights:
    """One weighted record; a change is PENDING until ``propagate`` and every change is kept in ``changes``."""

    current: dict[str, int]
    changes: list[dict[str, int]] = field(default_factory=list)
    pending: set[str] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def weights(self, zone: str, name: str, record_type: str) -> dict[str, int]:
        return dict(self.current)

    def set_weights(self, zone: str, name: str, record_type: str, weights: dict[str, int]) -> str:
        change_id = f"/change/C{next(self._ids)}"
        self.current |= weights
        self.changes.append(dict(weights))
        self.pending.add(change_id)
        return change_id

    def change_done(self, change_id: str) -> bool:
        return change_id not in self.pending

    def propagate(self) -> None:
        self.pending.clear()


@dataclass
class FakeRecordSets:
    health_check_ids: dict[str, str | None]
    existing_health_checks: set[str]

    def health_checks(self, zone: str, name: str, record_type: str) -> dict[str, str | None]:
        return dict(self.health_check_ids)

    def health_check_exists(self, health_check_id: str) -> bool:
        return health_check_id in self.existing_health_checks


@dataclass
class FakeRecordHealth:
    """Each region's record-set health where it lives (port RecordHealth): region -> reading; absent: unreadable."""

    readings: dict[str, HealthReading] = field(default_factory=dict)

    def health(self, region: str, health_check: str | None) -> HealthReading:
        return self.readings.get(region, HealthReading(None, f"{region} did not answer"))

    @classmethod
    def healthy(cls, *regions: str) -> FakeRecordHealth:
        return cls({r: HealthReading(True, "alarm OK") for r in regions})
