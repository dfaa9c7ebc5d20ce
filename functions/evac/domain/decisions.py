"""Decisions taken once per run: the strategy and the incident's identity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evac.domain.models import Mode, Strategy


def choose_strategy(mode: Mode, *, primary_answers: bool) -> Strategy:
    """Switchover only when the run is planned and the primary answers; otherwise fail over, accepting data loss.

    >>> choose_strategy("planned", primary_answers=True)
    'switchover'
    >>> choose_strategy("planned", primary_answers=False)
    'failover'

    A dry run plans what a planned run would do.
    """
    return "switchover" if mode in ("planned", "dry-run") and primary_answers else "failover"


def failover_target(primary: str, secondary: str, writer_region: str | None) -> str:
    """Where a failover would go now: the peer of the region that writes (the secondary if neither writes).

    >>> failover_target("us-east-1", "us-west-2", "us-west-2"), failover_target("us-east-1", "us-west-2", None)
    ('us-east-1', 'us-west-2')
    """
    if writer_region == primary:
        return secondary
    if writer_region == secondary:
        return primary
    return secondary


def incident_id(application: str, source: str, target: str, at: datetime, *, window_seconds: int) -> str:
    """The deterministic id (and execution name) of the incident ``at`` belongs to.

    Alarms of one application failing from ``source`` within one window map to one id, so duplicates and alarm
    storms start at most one runbook (Step Functions refuses a second execution with the same name).

    >>> incident_id("fraud-scoring", "us-east-1", "us-west-2",
    ...             datetime(2026, 11, 27, 10, 7, tzinfo=UTC), window_seconds=900)
    'fraud-scoring-us-east-1-to-us-west-2-20261127T1000Z'
    """
    bucket = int(at.timestamp()) // window_seconds * window_seconds
    start = datetime.fromtimestamp(bucket, tz=UTC)
    return f"{application}-{source}-to-{target}-{start:%Y%m%dT%H%MZ}"


def estimate_rpo(strategy: Strategy, replication_lag_seconds: float | None) -> float | None:
    """A switchover loses nothing; a failover loses about the replication lag at the moment of failure.

    >>> estimate_rpo("switchover", 3.0), estimate_rpo("failover", 0.8), estimate_rpo("failover", None)
    (0.0, 0.8, None)
    """
    if strategy == "switchover":
        return 0.0
    return replication_lag_seconds
