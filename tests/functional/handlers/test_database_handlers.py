"""promote_database + check_database on moto with the Aurora global failover extension (modelled latency)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from moto.rds.models import rds_backends

from evac.handlers import check_database, promote_database

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud


def test_an_unplanned_promotion_fails_the_global_cluster_over_to_the_target(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    cloud.invoke(promote_database, {"run": unplanned_run})

    state = cloud.global_cluster()
    assert state["FailoverState"]["Status"] == "failing-over"
    assert state["FailoverState"]["ToDbClusterArn"].split(":")[3] == "us-west-2"


def test_a_planned_promotion_switches_the_global_cluster_over_to_the_target(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    cloud.invoke(promote_database, {"run": planned_run})

    assert cloud.global_cluster()["FailoverState"]["Status"] == "switching-over"


def test_the_database_is_not_ready_before_the_modelled_promotion_time(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(promote_database, {"run": unplanned_run})
    cloud.wait(cloud.latencies.aurora_failover - 1)

    polled = cloud.invoke(check_database, {"run": unplanned_run, "poll": poll})

    assert (polled["done"], polled["attempt"], polled["detail"]["writer_region"]) == (False, 1, "us-east-1")


def test_the_database_is_ready_once_the_modelled_promotion_time_has_passed(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(promote_database, {"run": unplanned_run})
    cloud.wait(cloud.latencies.aurora_failover)

    polled = cloud.invoke(check_database, {"run": unplanned_run, "poll": poll})

    assert (polled["done"], polled["detail"]["writer_region"]) == (True, "us-west-2")
    assert cloud.writer_region() == "us-west-2"


def test_promoting_again_during_the_promotion_succeeds_without_a_second_request(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    # GIVEN a failover in flight (Aurora refuses another while the global cluster is not available)
    cloud.invoke(promote_database, {"run": unplanned_run})
    cloud.wait(10)

    again = cloud.invoke(promote_database, {"run": unplanned_run})

    assert not again["done"]
    assert cloud.global_cluster()["FailoverState"]["Status"] == "failing-over"


def test_promoting_again_while_aurora_still_verifies_the_request_sends_no_second_request(
    cloud: Cloud, unplanned_run: dict[str, Any]
) -> None:
    # GIVEN a failover Aurora accepted and is still verifying: FailoverState "pending" (API_FailoverState)
    cloud.invoke(promote_database, {"run": unplanned_run})
    global_cluster = rds_backends["123456789012"]["us-east-1"].global_clusters["fraud-scoring-global"]
    global_cluster.failover_state = global_cluster.failover_state | {"Status": "pending"}

    again = cloud.invoke(promote_database, {"run": unplanned_run})

    assert not again["done"]


def test_promoting_again_after_the_promotion_is_done_at_once(cloud: Cloud, unplanned_run: dict[str, Any]) -> None:
    cloud.invoke(promote_database, {"run": unplanned_run})
    cloud.wait(cloud.latencies.aurora_failover)

    again = cloud.invoke(promote_database, {"run": unplanned_run})

    assert (again["done"], again["detail"]["already"]) == (True, True)
    assert cloud.writer_region() == "us-west-2"


@pytest.mark.parametrize(("waited", "next_wait"), [(0, 30), (20, 10), (30, 5), (58, 5)])
def test_database_polls_look_from_half_the_expected_promotion_time_on(
    cloud: Cloud, unplanned_run: dict[str, Any], waited: float, next_wait: int
) -> None:
    poll = cloud.invoke(promote_database, {"run": unplanned_run})
    cloud.wait(waited)

    polled = cloud.invoke(check_database, {"run": unplanned_run, "poll": poll})

    assert polled["wait_seconds"] == next_wait
