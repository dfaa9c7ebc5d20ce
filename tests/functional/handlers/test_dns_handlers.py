"""shift_dns + check_dns on moto with the Route 53 propagation and SageMaker scaling extensions: traffic moves as the
plan's shift policy and the target's InService capacity allow, and each change propagates in modelled time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.client import BaseClient

from evac.handlers import check_dns, scale_endpoint, shift_dns

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud

ALL_TO_US_WEST_2 = {"fraud-scoring-use1": 0, "fraud-scoring-usw2": 100}
ALL_TO_US_EAST_1 = {"fraud-scoring-use1": 100, "fraud-scoring-usw2": 0}


@pytest.fixture
def scaled(cloud: Cloud, planned_run: dict[str, Any]) -> Cloud:
    """The target's endpoint at full capacity."""
    cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": "fraud-scoring-xgb"})
    cloud.wait(cloud.latencies.endpoint_scale_up)
    return cloud


def test_shifting_dns_sends_all_traffic_to_a_target_at_full_capacity(
    scaled: Cloud, planned_run: dict[str, Any]
) -> None:
    assert scaled.dns_weights() == ALL_TO_US_EAST_1

    moved = scaled.invoke(shift_dns, {"run": planned_run, "previous": None})

    assert scaled.dns_weights() == ALL_TO_US_WEST_2
    assert (moved["detail"]["raised"], moved["detail"]["weight"]) == (True, 100)


def test_shifting_dns_looks_the_hosted_zone_up_once(
    scaled: Cloud, planned_run: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Route 53's control plane is in us-east-1: the step asks it no more than it must
    asked: list[str] = []
    make_api_call = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        asked.append(operation)
        return make_api_call(client, operation, params)

    with monkeypatch.context() as patched:
        patched.setattr(BaseClient, "_make_api_call", recorded)
        scaled.invoke(shift_dns, {"run": planned_run, "previous": None})

    assert (asked.count("ListHostedZonesByName"), asked.count("ChangeResourceRecordSets")) == (1, 1)
    assert scaled.dns_weights() == ALL_TO_US_WEST_2


def test_shifting_dns_moves_nothing_to_a_target_still_scaling_up(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": "fraud-scoring-xgb"})

    waiting = cloud.invoke(shift_dns, {"run": planned_run, "previous": None})

    assert cloud.dns_weights() == ALL_TO_US_EAST_1
    assert (waiting["detail"]["raised"], waiting["detail"]["capacity"]) == (False, 25)


def test_the_dns_change_is_pending_before_the_modelled_propagation_time(
    scaled: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = scaled.invoke(shift_dns, {"run": planned_run})
    scaled.wait(scaled.latencies.dns_propagation - 1)

    polled = scaled.invoke(check_dns, {"run": planned_run, "poll": poll})

    assert poll["ref"] is not None
    assert not polled["done"]


def test_the_dns_change_is_insync_once_the_modelled_propagation_time_has_passed(
    scaled: Cloud, planned_run: dict[str, Any]
) -> None:
    poll = scaled.invoke(shift_dns, {"run": planned_run})
    scaled.wait(scaled.latencies.dns_propagation)

    polled = scaled.invoke(check_dns, {"run": planned_run, "poll": poll})

    assert (polled["done"], polled["attempt"]) == (True, 1)


def test_shifting_dns_again_once_shifted_is_done_at_once(scaled: Cloud, planned_run: dict[str, Any]) -> None:
    scaled.invoke(shift_dns, {"run": planned_run})

    again = scaled.invoke(shift_dns, {"run": planned_run})

    assert (again["done"], again["ref"], again["detail"]["raised"]) == (True, None, True)
    assert scaled.dns_weights() == ALL_TO_US_WEST_2


def test_when_traffic_follows_capacity_the_share_follows_instances_into_service(
    following: Cloud, planned_run: dict[str, Any]
) -> None:
    # GIVEN a plan whose traffic follows capacity, and the target's endpoint scaling from its warm standby (1 of 4)
    following.invoke(scale_endpoint, {"run": planned_run, "endpoint": "fraud-scoring-xgb"})

    requested = following.clock.elapsed()

    # WHEN DNS is shifted at once, and again each time another instance came into service
    shares = [following.invoke(shift_dns, {"run": planned_run})["detail"]["weight"]]
    for seconds in following.sagemaker.arrivals(1, 4):
        following.wait(requested + seconds - following.clock.elapsed())
        shares.append(following.invoke(shift_dns, {"run": planned_run})["detail"]["weight"])

    # THEN the target's share rose with its capacity: the warm standby's quarter, then a quarter per instance
    assert shares == [25, 50, 75, 100]
    assert following.dns_weights() == ALL_TO_US_WEST_2
