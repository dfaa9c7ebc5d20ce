"""Ground truth (``evacops.localcloud.truth``) on a cloud as seeded: it reads what the APIs would answer, without
calling them, and the negative controls change moto's own state behind every API's back, as a bug in evac or in the
simulator could, and check that the truth reports it. (What happened after a change: ``test_truth_changes``.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.rds.models import rds_backends
from moto.sagemaker.models import sagemaker_backends

from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.localcloud import LocalCloud
from evacops.localcloud.deploy import ACCOUNT
from evacops.localcloud.faults import Fault

if TYPE_CHECKING:
    from collections.abc import Iterator

PRIMARY, SECONDARY = "us-east-1", "us-west-2"


@pytest.fixture(scope="module")
def seeded() -> Iterator[LocalCloud]:
    """A cloud as seeded, for reads: a test that changes it puts it back before it ends. Its plan is given as an
    object, as the operator tooling passes it."""
    with LocalCloud(load_plan(DEFAULT_PLAN)) as local:
        yield local


# --- as seeded --------------------------------------------------------------------------------------------------------
def test_a_fresh_cloud_reads_as_seeded_and_as_the_apis_answer(seeded: LocalCloud) -> None:
    dns = seeded.plan.dns
    truth = seeded.truth

    assert truth.writer_regions() == [PRIMARY]
    assert truth.writer_region() == PRIMARY
    assert truth.dns_weights() == {dns.set_identifiers[PRIMARY]: 100, dns.set_identifiers[SECONDARY]: 0}
    assert truth.dns_region() == PRIMARY
    for endpoint in truth.endpoints():
        sagemaker = boto3.client("sagemaker", endpoint["region"])
        described = sagemaker.describe_endpoint(EndpointName=endpoint["name"])
        config = sagemaker.describe_endpoint_config(EndpointConfigName=described["EndpointConfigName"])
        assert (endpoint["status"], endpoint["instances"], endpoint["instance_type"]) == (
            described["EndpointStatus"],
            described["ProductionVariants"][0]["CurrentInstanceCount"],
            config["ProductionVariants"][0]["InstanceType"],
        )
    assert truth.world()["writers"] == [PRIMARY]
    assert truth.world()["serving"] == {PRIMARY: True, SECONDARY: False}  # the secondary is a warm standby
    assert truth.executions(SECONDARY) == []
    assert truth.runs(SECONDARY) == []
    assert truth.lock_holder(SECONDARY, seeded.plan.application) is None


def test_a_plan_given_as_an_object_is_handed_to_the_template_as_a_file_that_loads_as_that_plan(
    seeded: LocalCloud,
) -> None:
    parameters = seeded.parameters(SECONDARY, seeded.zone_id)

    assert load_plan(parameters["PlanFile"]) == seeded.plan


def test_truth_reads_make_no_api_call_so_no_fault_or_blackout_reaches_them(seeded: LocalCloud) -> None:
    for service in ("rds", "route53", "sagemaker", "stepfunctions", "sns", "dynamodb"):
        seeded.faults.inject(Fault("5xx", service=service, calls=None))
    seeded.faults.blackout(PRIMARY)
    seeded.faults.blackout(SECONDARY)
    before = len(seeded.faults.calls)
    try:
        assert seeded.writer_regions() == [PRIMARY]
        assert seeded.dns_region() == PRIMARY
        assert {e["status"] for e in seeded.endpoints()} == {"InService"}
        assert seeded.executions(SECONDARY) == []
        assert seeded.truth.runs(SECONDARY) == []
        assert len(seeded.faults.calls) == before
    finally:
        seeded.faults.heal()


# --- negative controls: a violation seeded in moto's own state, behind every API's back, is reported -----------------
@pytest.fixture
def members(seeded: LocalCloud) -> Iterator[list[Any]]:
    """The global cluster's members in moto's backend; their writer flags are put back after the test."""
    found = rds_backends[ACCOUNT][PRIMARY].global_clusters[seeded.plan.database.global_cluster].members
    flags = [m.is_writer for m in found]
    yield list(found)
    for member, flag in zip(found, flags, strict=True):
        member.is_writer = flag


def test_a_second_writer_forced_in_moto_is_reported_as_two_writer_regions(
    seeded: LocalCloud, members: list[Any]
) -> None:
    for member in members:
        member.is_writer = True  # split brain: no API does this

    assert seeded.writer_regions() == [PRIMARY, SECONDARY]
    assert seeded.world()["writers"] == [PRIMARY, SECONDARY]


def test_a_global_cluster_with_no_writer_reads_as_none(seeded: LocalCloud, members: list[Any]) -> None:
    for member in members:
        member.is_writer = False

    assert seeded.writer_regions() == []
    assert seeded.writer_region() is None


def test_an_endpoint_deleted_behind_the_apis_reads_as_missing_and_not_serving(seeded: LocalCloud) -> None:
    endpoint = seeded.plan.inference.endpoints[0]
    deployed = sagemaker_backends[ACCOUNT][PRIMARY].endpoints
    removed = deployed.pop(endpoint.name)
    try:
        seen = next(e for e in seeded.endpoints() if (e["region"], e["name"]) == (PRIMARY, endpoint.name))
        assert (seen["status"], seen["instances"], seen["instance_type"]) == ("Missing", 0, None)
        assert seeded.world()["serving"][PRIMARY] is False
    finally:
        deployed[endpoint.name] = removed
