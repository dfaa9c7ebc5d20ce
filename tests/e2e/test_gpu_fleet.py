"""The autoscaling-group and custom kinds end to end, on the rag-gpu-fleet test plan: a primary outage raises the GPU
fleet in the target and waits for its instances to serve (launches take ``asg_instance_start``) before traffic
moves, and runs the cache warmer there for this run; the nightly fine-tuning rule is enabled in the target, and a
switchover disables it in the source; all read from moto's own state. Negative controls: the same verdict fails when
the fleet is scaled back in, the warmer's run is gone or the source's rule is on again, and a warmer that fails fails
the run naming it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest
from moto.events.models import events_backends

from evac.domain.plan import load_plan
from evac.domain.plan_resources import EventBridgeRule
from evacops.drill import run_drill
from evacops.drill.resources import resources_recovered
from evacops.localcloud import seed_kinds
from evacops.localcloud.app_functions import ran_parameter
from evacops.localcloud.deploy import ACCOUNT
from evacops.localcloud.seed_kinds import resource_states
from tests.e2e.conftest import FLEET_PLAN, play

if TYPE_CHECKING:
    from evacops.drill import DrillReport
    from evacops.localcloud import LocalCloud
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e
PLAN = load_plan(FLEET_PLAN)
TARGET = "us-west-2"
FLEET, WARMER = "rag-assistant-embed-gpu", "rag-assistant-warm-cache"
RULE = next(r for r in PLAN.resources if isinstance(r, EventBridgeRule))


@pytest.fixture(scope="module")
def outage() -> Drilled:
    return play("primary-outage", plan=FLEET_PLAN)


def phase(report: DrillReport, name: str) -> tuple[float, float]:
    found = next(p for p in report.phases if p.name == name)
    return found.start, found.end


def test_a_primary_outage_serves_from_the_gpu_fleet_in_the_target(outage: Drilled) -> None:
    report = outage.report

    checks = {c.name: c for c in report.checks}
    assert report.status == "SUCCEEDED"
    assert (report.writer_region, report.dns_region) == (TARGET, TARGET)
    assert checks["resources"].ok, checks["resources"].detail
    assert all(c.ok for c in report.checks), [c for c in report.checks if not c.ok]
    assert f"'{FLEET}': {{'exists': True, 'minimum': 4, 'desired': 4, 'in_service': 4, 'healthy': 4}}" in (
        checks["resources"].detail
    )


def test_traffic_moves_only_after_the_fleet_has_launched(outage: Drilled) -> None:
    start, recovered = phase(outage.report, "resources")
    shifted, _ = phase(outage.report, "dns")

    assert recovered - start >= 180  # the modelled launch time of the fleet's new instances
    assert recovered <= shifted


def test_the_cache_warmer_ran_once_in_the_target_for_this_run_and_never_in_the_source(outage: Drilled) -> None:
    invoked = [c for c in outage.calls if (c.service, c.operation) == ("lambda", "Invoke") and c.params.get(
        "FunctionName") == WARMER]  # fmt: skip

    assert [(c.caller, c.region) for c in invoked] == [("RecoverResourcesFunction", TARGET)]


def rule_state(region: str) -> str:
    """The fine-tuning rule's State in ``region``, from moto's events backend."""
    return str(events_backends[ACCOUNT][region].event_buses[RULE.event_bus].rules[RULE.rules[region]].state)


def test_a_primary_outage_enables_the_fine_tuning_rule_in_the_target_and_asks_nothing_of_the_source(
    outage: Drilled,
) -> None:
    turned = [(c.caller, c.region, c.operation) for c in outage.calls if c.service == "events" and c.params.get(
        "Name") in RULE.rules.values()]  # fmt: skip

    assert ("RecoverResourcesFunction", TARGET, "EnableRule") in turned
    assert {region for _, region, _ in turned} == {TARGET}  # ungraceful: the failing region is left alone
    assert outage.report.status == "SUCCEEDED"


def test_a_switchover_enables_the_fine_tuning_rule_in_the_target_and_disables_it_in_the_source() -> None:
    """Read from moto's events backend after the run; then, negative control, the verdict with the source's rule
    turned on again behind it."""
    seen: dict[str, object] = {}

    def inspect(cloud: LocalCloud, report: DrillReport) -> None:
        seen["states"] = {region: rule_state(region) for region in cloud.plan.regions.both}
        source = cloud.plan.peer(TARGET)
        boto3.client("events", source).enable_rule(Name=RULE.rules[source], EventBusName=RULE.event_bus)
        verdict = resources_recovered(report, cloud.plan)
        seen["source on again"] = (verdict.ok, f"{RULE.name} still on in {source}" in verdict.detail)

    report = run_drill("planned-switchover", plan=PLAN, inspect=inspect)

    assert (report.status, report.to_region) == ("SUCCEEDED", TARGET)
    assert seen == {"states": {"us-east-1": "DISABLED", TARGET: "ENABLED"}, "source on again": (False, True)}


def test_the_verdict_fails_when_the_fleet_is_scaled_back_in_or_the_warmer_did_not_run() -> None:
    """Negative control: the same verdict, after the drill, with the fleet scaled in and the warmer's run deleted
    behind it."""
    seen: list[tuple[bool, str]] = []

    def break_it(cloud: LocalCloud, report: DrillReport) -> None:
        group = PLAN.resources[4].groups[TARGET]  # type: ignore[union-attr]
        boto3.client("autoscaling", TARGET).update_auto_scaling_group(
            AutoScalingGroupName=group, MinSize=1, DesiredCapacity=1
        )
        seen.append((resources_recovered(report, cloud.plan).ok, FLEET))
        boto3.client("autoscaling", TARGET).update_auto_scaling_group(
            AutoScalingGroupName=group, MinSize=4, DesiredCapacity=4
        )
        cloud.clock.sleep(300)  # the instances launched again
        boto3.client("ssm", TARGET).delete_parameter(Name=ran_parameter(WARMER))
        seen.append((resources_recovered(report, cloud.plan).ok, WARMER))
        assert resource_states(cloud.plan, TARGET, ACCOUNT)[WARMER] == {"ran": None}

    report = run_drill("primary-outage", plan=PLAN, inspect=break_it)

    assert report.status == "SUCCEEDED"
    assert seen == [(False, FLEET), (False, WARMER)]


def test_a_cache_warmer_that_fails_fails_the_run_naming_the_function_and_its_error_and_traffic_stays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(seed_kinds, "WARM_CACHE", "evacops.localcloud.app_functions.fail")

    report = run_drill("primary-outage", plan=PLAN)

    # an unplanned run that cannot finish escalates with the commands to finish by hand; traffic never moved
    assert (report.status, report.error, report.dns_region) == ("FAILED", "ManualCompletionRequiredError", "us-east-1")
    assert '"errorType":"ResourceRecoveryError"' in str(report.cause)
    # moto 5.2.5 answers FunctionError "Handled" where Lambda says "Unhandled" for an uncaught exception
    assert f"function {WARMER} in {TARGET} failed: " in str(report.cause)
    assert "RuntimeError: the vector cache of rag-assistant-warm-cache could not be loaded" in str(report.cause)
