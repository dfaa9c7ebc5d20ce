"""A write workload on the global database's writer, replicated to the secondary with the modelled lag: what a
failover loses is then observed, not assumed.

The writer commits one transaction every ``interval`` modelled seconds from the moment it holds the role. Each reaches
the secondary ``Latencies.aurora_replication_lag`` later (the lag the seed publishes as ``AuroraGlobalDBRPOLag``),
unless replication from the writer stopped first: the lag is "the time it takes for the most recent user transaction
COMMIT to be stored on a secondary DB cluster" (``rpo_lag_in_msec``, aurora_global_db_status, Aurora User Guide).
The writer stops committing when its region goes dark (``FaultInjector.blackouts``) or when a failover or switchover
fences it; the promoted cluster starts its own writes when the promotion completes.

What a move loses follows the RDS API Reference:

- FailoverGlobalCluster with ``AllowDataLoss``: "Failing over can result in a loss of write transaction data that
  wasn't replicated to the chosen secondary before the failover event occurred" (API_FailoverGlobalCluster):
  replication stops at the request (or when the region went dark, if earlier); what was in flight is lost.
- SwitchoverGlobalCluster: "All secondary clusters are synchronized with the primary at the beginning of the process
  so the new primary continues operations ... without losing any data" (API_SwitchoverGlobalCluster): the writer is
  fenced, replication drains, and the promotion completes no sooner than the secondary has caught up (``catch_up``).

Nothing runs per write: commits lie on a regular grid, so the newest committed and the newest replicated write are
computed from the epoch's bounds whenever someone looks, as ``Timeline`` applies its changes (exact, and free).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from evacops.localcloud.clock import Timeline

# One committed transaction every tenth of a modelled second: fine enough that a sub-second lag loses writes.
WRITE_INTERVAL = 0.1


@dataclass
class WriterEpoch:
    """One cluster's time as the writer: commits at ``start + k * interval`` (k >= 1) while it takes writes."""

    region: str
    start: float
    fenced: float | None = None  # a failover or switchover stopped its writes here
    cut: float | None = None  # replication from it stopped here (a failover); None: it drains (a switchover)
    dark: float | None = None  # its region went dark here (writes and replication stop)


@dataclass(frozen=True)
class RpoTruth:
    """What the last move of the writer lost: the newest write committed on the old writer, the newest of its writes
    the new writer holds (modelled seconds, None if it holds none), and the age difference (0 if nothing was lost)."""

    from_region: str
    to_region: str
    newest_committed: float | None
    newest_held: float | None
    observed_seconds: float


class AuroraWrites:
    """The write workload of each global cluster, epoch by epoch."""

    def __init__(
        self,
        timeline: Timeline,
        lag: float,
        dark_since: Callable[[str], float | None],
        *,
        interval: float = WRITE_INTERVAL,
    ) -> None:
        if interval <= 0 or lag < 0:
            raise ValueError(f"a write interval must be positive and a lag not negative (got {interval}, {lag})")
        self.timeline = timeline
        self.lag = lag
        self.interval = interval
        self.dark_since = dark_since
        self.epochs: dict[str, list[WriterEpoch]] = {}  # global cluster id -> its writers, oldest first

    # --- what the RDS extension tells it ----------------------------------------------------------------------------
    def begin(self, cluster: str, region: str) -> None:
        """``region``'s cluster holds the writer role from now (the global cluster's creation, a completed move)."""
        self.epochs.setdefault(cluster.lower(), []).append(WriterEpoch(region, self.timeline.moment()))

    def fence(self, cluster: str, *, allow_data_loss: bool) -> float:
        """The writer stops taking writes now (a failover or switchover began); returns how long the secondary takes
        to hold every committed write (0 for a failover: it is promoted without waiting)."""
        epoch = self._current(cluster)
        if epoch is None:
            return 0.0
        self.observe()
        now = self.timeline.moment()
        epoch.fenced = now
        if allow_data_loss:
            epoch.cut = now
            return 0.0
        newest = self.newest_committed(epoch)
        return 0.0 if newest is None else max(0.0, newest + self.lag - now)

    def observe(self) -> None:
        """Note when a writer's region went dark (a healed blackout must not take back what it stopped)."""
        for epochs in self.epochs.values():
            for epoch in epochs:
                since = self.dark_since(epoch.region)
                if epoch.dark is None and since is not None and since <= self.timeline.clock.elapsed():
                    epoch.dark = since

    # --- reads --------------------------------------------------------------------------------------------------------
    def newest_committed(self, epoch: WriterEpoch) -> float | None:
        """The newest write the epoch's writer committed, in modelled seconds (None: none yet)."""
        stop = min(t for t in (epoch.fenced, epoch.dark, self.timeline.clock.elapsed()) if t is not None)
        return self._on_grid(epoch, stop)

    def newest_replicated(self, epoch: WriterEpoch) -> float | None:
        """The newest of the epoch's writes the other cluster holds now: committed, and replicated before replication
        from the writer stopped."""
        committed = self.newest_committed(epoch)
        if committed is None:
            return None
        bounds = (epoch.cut, epoch.dark, self.timeline.clock.elapsed())
        arrived_by = min(t for t in bounds if t is not None)
        return self._on_grid(epoch, min(committed, arrived_by - self.lag))

    def rpo(self, cluster: str) -> RpoTruth | None:
        """What the last move of ``cluster``'s writer lost; None if the writer never moved."""
        self.timeline.settle()  # a move completed by now has begun its writer's epoch
        self.observe()
        epochs = self.epochs.get(cluster.lower(), [])
        if len(epochs) < 2:
            return None
        old, new = epochs[-2], epochs[-1]
        committed, held = self.newest_committed(old), self.newest_replicated(old)
        lost = 0.0 if committed is None else committed - (old.start if held is None else held)
        return RpoTruth(old.region, new.region, committed, held, round(lost, 3))

    def _current(self, cluster: str) -> WriterEpoch | None:
        epochs = self.epochs.get(cluster.lower())
        return epochs[-1] if epochs else None

    def _on_grid(self, epoch: WriterEpoch, until: float) -> float | None:
        """The last commit moment of ``epoch`` at or before ``until``."""
        k = math.floor((until - epoch.start) / self.interval + 1e-9)
        return round(epoch.start + k * self.interval, 6) if k >= 1 else None
