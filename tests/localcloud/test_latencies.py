"""The latency table's seeded draws stay within the ranges AWS's published figures anchor, and repeat by seed."""

from __future__ import annotations

from evacops.localcloud.fidelity.latencies import Latencies


def test_the_same_seed_draws_the_same_latencies_and_another_seed_others() -> None:
    table = Latencies()

    assert table.drawn(7) == table.drawn(7)
    assert table.drawn(7) != table.drawn(8)


def test_draws_stay_within_the_published_ranges() -> None:
    for seed in range(200):
        drawn = Latencies().drawn(seed)
        assert 30 <= drawn.aurora_failover <= 120  # "typically ... about a minute"
        assert 134 <= drawn.endpoint_scale_up <= 525  # GPU scale-out, with and without container caching
        assert drawn.endpoint_first_instance <= drawn.endpoint_scale_up
        assert 10 <= drawn.dns_propagation <= 60  # INSYNC "within 60 seconds"


def test_a_call_costs_its_service_latency_or_the_control_plane_default() -> None:
    table = Latencies()

    assert table.api("dynamodb") < table.api("rds") == table.api_call
    assert table.api("lambda") == 0  # an invocation's cost is the runtime's (warm or cold start)
