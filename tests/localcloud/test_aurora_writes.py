"""The write workload on Aurora's writer (``fidelity.aurora_writes``): a failover loses exactly the writes still in
flight to the secondary, a switchover loses none and waits for the secondary to catch up. Moves are made through
boto3 on plain moto with the RDS extension installed; time is a SteppedClock."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import boto3
import pytest

from evacops.localcloud.fidelity import AuroraGlobalFailover, Latencies
from evacops.localcloud.fidelity.aurora_writes import AuroraWrites

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from tests.fakes.clock import SteppedClock

LATENCIES = Latencies()
LAG = LATENCIES.aurora_replication_lag  # 0.85 s: writes every 0.1 s, so 8 or 9 are in flight at any moment


def build(stack: ExitStack, timeline: Timeline, *, lag: float = LAG) -> SimpleNamespace:
    """A global cluster from a us-east-1 writer taking writes from modelled second 0, a us-west-2 secondary."""
    blackouts: dict[str, float] = {}
    writes = AuroraWrites(timeline, lag, blackouts.get)
    AuroraGlobalFailover(timeline, LATENCIES, writes).install(stack)
    east, west = boto3.client("rds", "us-east-1"), boto3.client("rds", "us-west-2")
    primary = east.create_db_cluster(
        DBClusterIdentifier="orders-use1",
        Engine="aurora-postgresql",
        MasterUsername="evac",
        MasterUserPassword="local-only-password",
    )["DBCluster"]["DBClusterArn"]
    east.create_global_cluster(GlobalClusterIdentifier="orders-global", SourceDBClusterIdentifier=primary)
    secondary = west.create_db_cluster(
        DBClusterIdentifier="orders-usw2", Engine="aurora-postgresql", GlobalClusterIdentifier="orders-global"
    )["DBCluster"]["DBClusterArn"]
    return SimpleNamespace(west=west, secondary=secondary, writes=writes, blackouts=blackouts)


def writer(rds: object) -> str:
    members = rds.describe_global_clusters(GlobalClusterIdentifier="orders-global")["GlobalClusters"][0]  # type: ignore[attr-defined]
    return next(m["DBClusterArn"] for m in members["GlobalClusterMembers"] if m["IsWriter"]).split(":")[3]


def lost_writes(committed: float, held: float | None) -> list[float]:
    """The commit moments after ``held`` up to ``committed``: the writes the new writer lacks."""
    start = 0.0 if held is None else held
    return [round(start + 0.1 * k, 1) for k in range(1, round((committed - start) / 0.1) + 1)]


@pytest.fixture
def aurora(stack: ExitStack, timeline: Timeline) -> SimpleNamespace:
    return build(stack, timeline)


def test_a_failover_during_the_lag_loses_exactly_the_writes_not_yet_replicated(
    aurora: SimpleNamespace, clock: SteppedClock
) -> None:
    clock.advance(100.03)  # the writer committed its write of 100.0 s; what it committed after 99.18 s is in flight
    aurora.west.failover_global_cluster(
        GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=aurora.secondary, AllowDataLoss=True
    )
    clock.advance(LATENCIES.aurora_failover)

    lost = aurora.writes.rpo("orders-global")
    assert writer(aurora.west) == "us-west-2"
    assert (lost.from_region, lost.to_region) == ("us-east-1", "us-west-2")
    assert (lost.newest_committed, lost.newest_held) == (100.0, 99.1)
    in_flight = [99.2, 99.3, 99.4, 99.5, 99.6, 99.7, 99.8, 99.9, 100.0]
    assert lost_writes(lost.newest_committed, lost.newest_held) == in_flight
    assert lost.observed_seconds == pytest.approx(0.9)


def test_a_dark_primary_stops_writing_and_replicating_when_it_goes_dark(
    aurora: SimpleNamespace, clock: SteppedClock
) -> None:
    aurora.blackouts["us-east-1"] = 50.0
    clock.advance(80.0)  # the failover comes half a minute after the region went dark
    aurora.west.failover_global_cluster(
        GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=aurora.secondary, AllowDataLoss=True
    )
    aurora.blackouts.clear()  # healed: what the blackout stopped stays stopped
    clock.advance(LATENCIES.aurora_failover)

    lost = aurora.writes.rpo("orders-global")
    assert (lost.newest_committed, lost.newest_held) == (50.0, 49.1)
    assert lost.observed_seconds == pytest.approx(0.9)


def test_a_switchover_loses_nothing(aurora: SimpleNamespace, clock: SteppedClock) -> None:
    clock.advance(100.03)
    aurora.west.switchover_global_cluster(
        GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=aurora.secondary
    )
    clock.advance(LATENCIES.aurora_switchover)

    lost = aurora.writes.rpo("orders-global")
    assert writer(aurora.west) == "us-west-2"
    assert lost.newest_held == lost.newest_committed == 100.0
    assert lost.observed_seconds == 0


def test_a_switchover_completes_no_sooner_than_the_secondary_has_caught_up(
    stack: ExitStack, timeline: Timeline, clock: SteppedClock
) -> None:
    slow = build(stack, timeline, lag=150.0)  # replication far behind: longer than the switchover itself
    clock.advance(200.0)
    slow.west.switchover_global_cluster(
        GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=slow.secondary
    )

    clock.advance(LATENCIES.aurora_switchover)
    assert writer(slow.west) == "us-east-1"  # still synchronising
    clock.advance(150.0 - LATENCIES.aurora_switchover)
    assert writer(slow.west) == "us-west-2"
    assert slow.writes.rpo("orders-global").observed_seconds == 0


def test_the_new_writer_takes_writes_and_a_failback_is_judged_by_what_it_wrote(
    aurora: SimpleNamespace, clock: SteppedClock
) -> None:
    clock.advance(10.0)
    aurora.west.failover_global_cluster(
        GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=aurora.secondary, AllowDataLoss=True
    )
    clock.advance(LATENCIES.aurora_failover)  # us-west-2 writes from 70 s
    clock.advance(30.0)
    east = boto3.client("rds", "us-east-1")
    primary = "arn:aws:rds:us-east-1:123456789012:cluster:orders-use1"
    east.switchover_global_cluster(GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=primary)
    clock.advance(LATENCIES.aurora_switchover)

    back = aurora.writes.rpo("orders-global")
    assert (back.from_region, back.to_region, back.newest_committed) == ("us-west-2", "us-east-1", 100.0)
    assert back.observed_seconds == 0
