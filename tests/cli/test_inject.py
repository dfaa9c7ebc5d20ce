"""``evac drill --inject SPEC``: the matrix's faults on any drill. A spec that does not parse is one line naming what is
wrong and exit code 2, before anything starts; one that parses is the fault the grammar says."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from evacops.cli import app
from evacops.localcloud.faults import FaultSpecError, parse_fault

runner = CliRunner()


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("bogus", "is not [Caller/]service:Operation:kind"),
        ("rds:FailoverGlobalCluster:explode", "fault kind 'explode'"),
        ("route53:ChangeResourceRecordSets:refused", "fault kind 'refused'"),
    ],
)
def test_a_bad_spec_is_refused_with_what_is_wrong_before_any_drill(spec: str, named: str) -> None:
    result = runner.invoke(app, ["drill", "--inject", spec, "--quiet"])

    assert result.exit_code == 2
    assert named in result.stderr


def test_a_spec_says_which_calls_fail_and_how() -> None:
    fault = parse_fault("CheckDatabaseFunction/rds:DescribeGlobalClusters:access-denied@us-west-2#3")

    assert (fault.kind, fault.service, fault.operation, fault.region, fault.caller) == (
        "access-denied",
        "rds",
        "DescribeGlobalClusters",
        "us-west-2",
        "CheckDatabaseFunction",
    )
    assert (fault.first, fault.calls, fault.after_effect) == (3, None, False)  # a denial does not come back
    assert parse_fault("sagemaker:UpdateEndpoint:timeout+after-effect").after_effect
    with pytest.raises(FaultSpecError):
        parse_fault("route53:ChangeResourceRecordSets:throttling#0")
