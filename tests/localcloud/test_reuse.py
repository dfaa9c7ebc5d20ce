"""What a local cloud reuses from the one before it in the same process is parsing only: every cloud starts from the
account its plan seeds, whatever the drill before it changed."""

from __future__ import annotations

import gc
import json
import weakref
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.loaders import create_loader
from moto.core import DEFAULT_ACCOUNT_ID
from moto.kms.models import kms_backends

from evac.aws.ssm import AutomaticFailoverSwitch
from evacops import iam
from evacops.drill import run_drill
from evacops.localcloud import LocalCloud
from evacops.localcloud.per_call import remember_per_call_work
from evacops.localcloud.reuse import parsed_template, roles, share_harness_clients, share_service_models, validate_once
from evacops.template import TEMPLATE

if TYPE_CHECKING:
    from contextlib import ExitStack
    from pathlib import Path

    from evac.domain.plan import RecoveryPlan

_PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
_ROLE = "arn:aws:iam::123456789012:role/states"


def world(cloud: LocalCloud) -> dict[str, Any]:
    """What a drill changes, read from the simulator: the writer, DNS, endpoints, runs, ledger, notices, alarms."""
    seen: dict[str, Any] = {
        "writers": cloud.writer_regions(),
        "dns": cloud.dns_weights(),
        "endpoints": cloud.endpoints(),
        "invocations": len(cloud.runtime.invocations),
    }
    for region in cloud.plan.regions.both:
        alarms = boto3.client("cloudwatch", region).describe_alarms()["MetricAlarms"]
        seen[region] = {
            "executions": [e["status"] for e in cloud.executions(region)],
            "ledger": boto3.client("dynamodb", region).scan(TableName=cloud.stacks[region].table)["Items"],
            "notifications": cloud.notifications(region),
            "alarms": sorted((a["AlarmName"], a["StateValue"]) for a in alarms),
        }
    return seen


@pytest.mark.e2e
def test_a_cloud_after_a_failover_starts_from_the_seeded_account(plan: RecoveryPlan) -> None:
    # GIVEN the account a fresh cloud starts with, and a drill in the same process that failed over
    with LocalCloud(plan) as cloud:
        fresh = world(cloud)
    changed: dict[str, Any] = {}
    report = run_drill("primary-outage", plan=plan, inspect=lambda cloud, _: changed.update(world(cloud)))
    assert report.writer_region == plan.regions.secondary
    assert changed[plan.regions.secondary]["ledger"], "the drill wrote its run to the ledger"
    assert changed != fresh
    # WHEN the next cloud starts
    with LocalCloud(plan) as cloud:
        again = world(cloud)
    # THEN it is the seeded account again: writer and traffic in the primary, no run, an empty ledger
    assert again == fresh
    assert again["writers"] == [plan.regions.primary]
    assert again[plan.regions.secondary]["ledger"] == []


def test_a_closed_cloud_is_not_kept_alive_by_the_clouds_after_it(plan: RecoveryPlan) -> None:
    # GIVEN clouds opened one after another in one process, as a test worker or a fault-matrix worker opens them, in
    # each of which the confirmation watch's kill switch was read (what a drill's trigger does)
    clouds: list[weakref.ref[LocalCloud]] = []
    for _ in range(3):
        with LocalCloud(plan) as cloud:
            assert AutomaticFailoverSwitch(plan.regions.secondary).paused(plan.pause_parameter) is False
            clouds.append(weakref.ref(cloud))
        del cloud
    # WHEN the garbage is collected
    gc.collect()
    # THEN nothing keeps a closed cloud (its moto backends, its calls, its threads) for the life of the process: not
    # evac's clients or the kill switch's cache of them, not a session made while the cloud's hooks were in place.
    # (The process's very first cloud may stay: the X-Ray SDK makes its client once, from the hooks then in place.)
    assert [cloud() is None for cloud in clouds[1:]] == [True, True]


def test_the_template_is_parsed_again_when_it_changes_and_each_caller_gets_its_own_copy(tmp_path: Path) -> None:
    copy = tmp_path / "template.yaml"
    copy.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    first = parsed_template(copy)
    first["Resources"].clear()  # a caller changing its copy changes no one else's
    assert parsed_template(copy)["Resources"]
    copy.write_text("Resources:\n  Only:\n    Type: AWS::SNS::Topic\n", encoding="utf-8")
    assert list(parsed_template(copy)["Resources"]) == ["Only"]


def test_the_roles_a_cloud_checks_are_the_templates_expanded_once_and_each_caller_gets_its_own_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parameters = {"HostedZoneId": "Z123"}
    first = roles("us-west-2", parameters)
    assert first == iam.principals("us-west-2", parameters)
    first["ScaleEndpointFunction"].statements.clear()  # a caller changing its copy changes no one else's
    monkeypatch.setattr(iam, "principals", lambda *_: pytest.fail("expanded again"))
    again = roles("us-west-2", parameters)
    assert again["ScaleEndpointFunction"].statements
    monkeypatch.undo()
    other = roles("us-east-2", parameters)  # another region: its own ARNs
    resources = {r for p in other.values() for s in p.statements for r in s.resources}
    assert any(":us-east-2:" in r for r in resources)
    assert not any(":us-west-2:" in r for r in resources)


def test_a_definition_that_does_not_parse_is_refused_as_moto_refuses_it(stack: ExitStack) -> None:
    sfn = boto3.client("stepfunctions", "us-east-1")
    broken = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True, "Colour": "red"}}})
    with pytest.raises(ClientError) as refused:
        sfn.create_state_machine(name="broken", definition=broken, roleArn=_ROLE)
    validate_once(stack)
    for name in ("first", "second"):  # the second is validated from the parse the first left
        sfn.create_state_machine(name=name, definition=json.dumps(_PASS), roleArn=_ROLE)
    with pytest.raises(ClientError) as again:
        sfn.create_state_machine(name="broken", definition=broken, roleArn=_ROLE)
    assert "ASLParserException" in str(again.value)
    assert again.value.response["Error"] == refused.value.response["Error"]


def test_sessions_made_in_a_cloud_share_service_models_and_later_ones_do_not(
    stack: ExitStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(botocore.session, "create_loader", create_loader)  # as botocore has it (the suite shares one)
    share_service_models(stack)
    one, two = boto3.session.Session(), boto3.session.Session()
    assert one._loader is two._loader  # type: ignore[attr-defined]
    assert one._loader.search_paths.count(one._loader.search_paths[-1]) == 1  # type: ignore[attr-defined]
    stack.close()
    assert boto3.session.Session()._loader is not one._loader  # type: ignore[attr-defined]


def test_a_cloud_makes_one_client_per_service_and_region_and_any_other_form_as_boto3_does(stack: ExitStack) -> None:
    share_harness_clients(stack)
    one = boto3.client("s3", "us-east-1")
    assert boto3.client("s3", region_name="us-east-1") is one
    assert boto3.client(service_name="s3", region_name="us-east-1") is one
    assert boto3.client("s3", "us-west-2") is not one
    assert boto3.client("s3") is not boto3.client("s3")  # the region left to the environment
    config = Config(retries={"total_max_attempts": 1})
    assert boto3.client("s3", "us-east-1", config=config) is not one
    stack.close()
    assert boto3.client("s3", "us-east-1") is not boto3.client("s3", "us-east-1")


def test_symmetric_kms_keys_share_a_key_pair_nothing_reads_and_asymmetric_keys_each_have_their_own(
    stack: ExitStack,
) -> None:
    remember_per_call_work(stack)
    kms = boto3.client("kms", "us-east-1")
    symmetric = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2)]
    signing = [kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"] for _ in range(2)]

    keys = kms_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].keys
    assert keys[symmetric[0]].private_key is keys[symmetric[1]].private_key  # made once, 20 to 200 ms of CPU
    # a symmetric key still encrypts with its own material: one key's ciphertext is not another's
    sealed = kms.encrypt(KeyId=symmetric[0], Plaintext=b"model weights")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"model weights"
    assert kms.encrypt(KeyId=symmetric[1], Plaintext=b"model weights")["CiphertextBlob"] != sealed
    # each asymmetric key has a key pair of its own
    public = [kms.get_public_key(KeyId=key)["PublicKey"] for key in signing]
    assert public[0] != public[1]
