"""A readiness read IAM denied fails its check (fail closed): a permission lost must not switch off the guard that
keeps an automatic failover out of a region that cannot serve; a read that got no answer stays unknown."""

from __future__ import annotations

from evac.domain.readiness import check
from evac.errors import AwsCallError, AwsTransientError


def refused() -> None:
    raise AwsCallError("DescribeEndpoint failed: AccessDeniedException: not authorized", denied=True)


def throttled() -> None:
    raise AwsTransientError("DescribeEndpoint failed: ThrottlingException: Rate exceeded")


def test_a_denied_critical_read_fails_its_check_and_blocks() -> None:
    found = check("sagemaker.endpoint_config", "critical", "fraud-scoring-xgb", "grant it", refused)  # type: ignore[arg-type]

    assert (found.status, found.blocking) == ("fail", True)
    assert "DescribeEndpoint" in found.evidence


def test_a_throttled_read_is_unknown_and_does_not_block() -> None:
    found = check("sagemaker.endpoint_config", "critical", "fraud-scoring-xgb", "retry", throttled)  # type: ignore[arg-type]

    assert (found.status, found.blocking) == ("unknown", False)
