"""shift_dns + check_dns on moto with the Route 53 propagation extension (modelled propagation time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac.handlers import check_dns, shift_dns

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud

ALL_TO_US_WEST_2 = {"fraud-scoring-use1": 0, "fraud-scoring-usw2": 100}


def test_shifting_dns_sends_all_traffic_to_the_target(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    assert cloud.dns_weights() == {"fraud-scoring-use1": 100, "fraud-scoring-usw2": 0}

    cloud.invoke(shift_dns, {"run": planned_run})

    assert cloud.dns_weights() == ALL_TO_US_WEST_2


def test_the_dns_change_is_pending_before_the_modelled_propagation_time(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(shift_dns, {"run": planned_run})
    cloud.wait(cloud.latencies.dns_propagation - 1)

    polled = cloud.invoke(check_dns, {"run": planned_run, "poll": poll})

    assert poll["ref"] is not None
    assert not polled["done"]


def test_the_dns_change_is_insync_once_the_modelled_propagation_time_has_passed(
    cloud: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = cloud.invoke(shift_dns, {"run": planned_run})
    cloud.wait(cloud.latencies.dns_propagation)

    polled = cloud.invoke(check_dns, {"run": planned_run, "poll": poll})

    assert (polled["done"], polled["attempt"]) == (True, 1)


def test_shifting_dns_again_once_shifted_is_done_at_once(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    cloud.invoke(shift_dns, {"run": planned_run})

    again = cloud.invoke(shift_dns, {"run": planned_run})

    assert (again["done"], again["ref"], again["detail"]["already"]) == (True, None, True)
    assert cloud.dns_weights() == ALL_TO_US_WEST_2
