"""What the local cloud can model (``evacops.localcloud.support``): any two commercial regions; and the partition
of the ARNs the tooling builds (``evacops.template.partition``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evac.domain.plan import load_plan
from evacops.localcloud.support import UnsupportedSetupError, check_plan, commercial_regions, region_problem
from evacops.template import Resolver, partition

EU_PLAN = load_plan(Path(__file__).resolve().parents[1] / "plans" / "eu-search.yaml")


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-south-1"])
def test_commercial_regions_are_modelled(region: str) -> None:
    assert region in commercial_regions()
    assert region_problem(region) is None


@pytest.mark.parametrize(
    ("region", "problem"),
    [
        ("cn-north-1", "cn-north-1 is in the aws-cn partition"),
        ("us-gov-west-1", "us-gov-west-1 is in the aws-us-gov partition"),
        ("eu-west-9", "eu-west-9 is not an AWS region botocore knows"),
    ],
)
def test_other_partitions_and_unknown_regions_are_not(region: str, problem: str) -> None:
    assert problem in str(region_problem(region))


def test_a_region_of_another_partition_is_still_a_region_to_deploy_to() -> None:
    assert region_problem("cn-north-1", local=False) is None
    assert region_problem("eu-west-9", local=False) is not None


def test_a_plan_is_checked_region_by_region_naming_the_field() -> None:
    check_plan(EU_PLAN)  # the second plan: supported
    moved = EU_PLAN.model_copy(update={"regions": EU_PLAN.regions.model_copy(update={"secondary": "cn-north-1"})})

    with pytest.raises(UnsupportedSetupError, match=r"regions\.secondary: cn-north-1 is in the aws-cn"):
        check_plan(moved)


@pytest.mark.parametrize(
    ("region", "expected", "suffix"),
    [
        ("eu-west-1", "aws", "amazonaws.com"),
        ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-east-1", "aws-us-gov", "amazonaws.com"),
    ],
)
def test_a_stack_in_a_region_has_that_regions_partition(region: str, expected: str, suffix: str) -> None:
    pseudo = Resolver(region, "123456789012", "evac-x", {}).pseudo()

    assert partition(region) == pseudo["AWS::Partition"] == expected
    assert pseudo["AWS::URLSuffix"] == suffix


@pytest.mark.parametrize(("region", "expected"), [("aws-global", "aws"), ("aws-cn-global", "aws-cn")])
def test_a_global_services_pseudo_region_names_its_partition(region: str, expected: str) -> None:
    assert partition(region) == expected
