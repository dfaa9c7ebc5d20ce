"""The verify step on moto: proves the target writes, serves a canary in time and receives the traffic."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from evac.errors import VerificationFailedError
from evac.handlers import check_dns, promote_database, scale_endpoint, shift_dns, verify

if TYPE_CHECKING:
    from tests.functional.conftest import Cloud


def promote_and_scale(cloud: Cloud, run: dict[str, Any]) -> None:
    """The database promoted and the endpoints scaled in the target, with their modelled latencies passed."""
    cloud.invoke(promote_database, {"run": run})
    cloud.invoke(scale_endpoint, {"run": run, "endpoint": "fraud-scoring-xgb"})
    cloud.wait(max(cloud.latencies.aurora_switchover, cloud.latencies.endpoint_scale_up))


def shift_and_propagate(cloud: Cloud, run: dict[str, Any]) -> dict[str, Any]:
    """DNS shifted to the target and the change INSYNC; returns the finished DNS poll."""
    poll = cloud.invoke(shift_dns, {"run": run})
    cloud.wait(cloud.latencies.dns_propagation)
    return cloud.invoke(check_dns, {"run": run, "poll": poll})


def test_verification_passes_once_database_inference_and_dns_moved(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    # GIVEN the runbook's steps so far: database promoted, endpoints scaled, DNS shifted and propagated
    promote_and_scale(cloud, planned_run)
    dns = shift_and_propagate(cloud, planned_run)

    verification = cloud.invoke(verify, {"run": planned_run, "dns": dns})

    assert (verification["writer_region"], verification["dns_region"]) == ("us-west-2", "us-west-2")
    assert verification["weights"] == {"fraud-scoring-use1": 0, "fraud-scoring-usw2": 100}
    assert [(c["endpoint"], c["region"], c["ok"]) for c in verification["canaries"]] == [
        ("fraud-scoring-xgb", "us-west-2", True)
    ]


def test_verification_fails_when_dns_was_not_shifted(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    # GIVEN database and inference ready in the target, but DNS still sending everything to us-east-1
    promote_and_scale(cloud, planned_run)
    not_shifted = {"started_at": cloud.clock.now().isoformat(), "done": True, "detail": {"weight": 100}}

    with pytest.raises(VerificationFailedError, match="DNS weights are"):
        cloud.invoke(verify, {"run": planned_run, "dns": not_shifted})


def test_verification_fails_when_the_database_was_not_promoted(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    cloud.invoke(scale_endpoint, {"run": planned_run, "endpoint": "fraud-scoring-xgb"})
    cloud.wait(cloud.latencies.endpoint_scale_up)
    dns = shift_and_propagate(cloud, planned_run)

    with pytest.raises(VerificationFailedError, match="writer is in us-east-1, not us-west-2"):
        cloud.invoke(verify, {"run": planned_run, "dns": dns})


def test_verification_fails_while_the_dns_change_has_not_propagated(cloud: Cloud, planned_run: dict[str, Any]) -> None:
    promote_and_scale(cloud, planned_run)
    pending = cloud.invoke(shift_dns, {"run": planned_run})

    with pytest.raises(VerificationFailedError, match="not INSYNC"):
        cloud.invoke(verify, {"run": planned_run, "dns": pending})
