"""The global cluster's ``FailoverState`` as the adapter reads it: ``cancelling`` is still in flight (API_FailoverState:
pending | failing-over | cancelling), so no other promotion is started while Aurora cancels one."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from evac.aws.rds import AuroraGlobal

SOURCE = "arn:aws:rds:us-east-1:123456789012:cluster:fraud-scoring-use1"
TARGET = "arn:aws:rds:us-west-2:123456789012:cluster:fraud-scoring-usw2"


@pytest.mark.parametrize("status", ["pending", "failing-over", "switching-over", "cancelling"])
def test_a_promotion_in_flight_names_its_target_region(status: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    database = AuroraGlobal("us-west-2")
    answer = {
        "GlobalClusters": [
            {
                "GlobalClusterIdentifier": "fraud-scoring-global",
                "Status": "failing-over",
                "GlobalClusterMembers": [
                    {"DBClusterArn": SOURCE, "IsWriter": True},
                    {"DBClusterArn": TARGET, "IsWriter": False},
                ],
                "FailoverState": {"Status": status, "FromDbClusterArn": SOURCE, "ToDbClusterArn": TARGET},
            }
        ]
    }
    with Stubber(database._rds) as stub:
        stub.add_response("describe_global_clusters", answer, {"GlobalClusterIdentifier": "fraud-scoring-global"})
        state = database.global_state("fraud-scoring-global")

    assert (state.writer_region, state.promoting_to) == ("us-east-1", "us-west-2")
