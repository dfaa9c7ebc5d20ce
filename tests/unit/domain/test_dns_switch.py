"""Which mechanism moves the traffic (``evac.domain.dns_switch``) and the data-plane path of ``shift_dns``,
``check_dns`` and ``verify`` when Route 53's control plane does not answer, on in-memory fakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from evac.domain.dns_switch import choose_mechanism, depends_on_control_plane, manual_weights_command, urgency
from evac.domain.plan import parse_plan
from evac.domain.traffic import check_dns, shift_dns
from evac.errors import ControlPlaneUnavailableError, DnsControlPlaneUnavailableError, PlanError

if TYPE_CHECKING:
    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from tests.unit.conftest import FakeEndpoints

pytestmark = pytest.mark.usefixtures("frozen_clock")
XGB = "fraud-scoring-xgb"


class SilentRoute53:
    """Route 53's control plane in us-east-1, not answering."""

    def weights(self, zone: str, name: str, record_type: str) -> dict[str, int]:
        raise ControlPlaneUnavailableError("Route 53 ListHostedZonesByName did not answer: read timeout")

    def set_weights(self, zone: str, name: str, record_type: str, weights: dict[str, int]) -> str:
        raise AssertionError("no weight change without the control plane")

    def change_done(self, change_id: str) -> bool:
        raise AssertionError("no change to poll")


@dataclass
class FakeSwitch:
    """A data plane: the target is answered once ``propagate`` has run after a switch."""

    mechanism: str = "health-check-switch"
    switched_to: list[str] = field(default_factory=list)
    propagated: bool = False

    def switch(self, source: str, target: str) -> str:
        self.switched_to.append(target)
        return f"drained {source}"

    def switched(self, source: str, target: str) -> str | None:
        return None if self.switched_to and self.propagated else f"{source} still answered"


@pytest.fixture
def full_capacity(target_endpoints: FakeEndpoints) -> FakeEndpoints:
    """The target's endpoint scaled to its active capacity, every instance in service."""
    target_endpoints.set_instances(XGB, "AllTraffic", 4)
    target_endpoints.finish_updates()
    return target_endpoints


def with_mechanism(plan: RecoveryPlan, mechanism: str) -> RecoveryPlan:
    return plan.model_copy(update={"dns": plan.dns.model_copy(update={"mechanism": mechanism})})


def test_weights_move_traffic_while_the_control_plane_answers() -> None:
    assert choose_mechanism("unplanned", "health-check-switch", control_plane=True) == "record-weights"
    assert choose_mechanism("planned", "routing-control", control_plane=True) == "record-weights"


@pytest.mark.parametrize("mechanism", ["health-check-switch", "routing-control"])
def test_an_unplanned_run_uses_the_plans_data_plane_when_the_control_plane_is_silent(mechanism: str) -> None:
    assert choose_mechanism("unplanned", mechanism, control_plane=False) == mechanism  # type: ignore[arg-type]


def test_a_planned_run_or_a_weights_only_plan_has_no_mechanism_without_the_control_plane() -> None:
    assert choose_mechanism("planned", "health-check-switch", control_plane=False) is None
    assert choose_mechanism("unplanned", "record-weights", control_plane=False) is None


def test_an_unplanned_run_switches_all_traffic_on_the_data_plane_once_capacity_takes_it(
    failover_run: Run, plan: RecoveryPlan, full_capacity: FakeEndpoints
) -> None:
    switch = FakeSwitch()
    poll = shift_dns(failover_run, plan, None, records=SilentRoute53(), endpoints=full_capacity, switch=switch)
    assert switch.switched_to == ["us-west-2"]
    assert poll.detail["mechanism"] == "health-check-switch"
    assert poll.detail["weight"] == 100
    assert not check_dns(failover_run, plan, poll, records=SilentRoute53(), switch=switch).done
    switch.propagated = True
    assert check_dns(failover_run, plan, poll, records=SilentRoute53(), switch=switch).done


def test_a_data_plane_switch_waits_for_full_capacity(
    failover_run: Run, plan: RecoveryPlan, target_endpoints: FakeEndpoints
) -> None:
    # GIVEN only the warm standby serves: a switch is all or nothing, so nothing moves yet
    switch = FakeSwitch()
    poll = shift_dns(failover_run, plan, None, records=SilentRoute53(), endpoints=target_endpoints, switch=switch)
    assert not switch.switched_to
    assert poll.detail["raised"] is False


def test_without_a_data_plane_the_run_fails_naming_the_command_to_run_by_hand(
    failover_run: Run, plan: RecoveryPlan, full_capacity: FakeEndpoints
) -> None:
    weights_only = with_mechanism(plan, "record-weights")
    with pytest.raises(DnsControlPlaneUnavailableError) as raised:
        shift_dns(failover_run, weights_only, None, records=SilentRoute53(), endpoints=full_capacity, switch=None)
    message = str(raised.value)
    assert "aws route53 change-resource-record-sets" in message
    assert '"SetIdentifier":"fraud-scoring-usw2","Weight":100' in message
    assert "health-check-switch or routing-control" in message


def test_the_manual_command_keeps_each_record_sets_health_check(failover_run: Run, plan: RecoveryPlan) -> None:
    command = manual_weights_command(failover_run, plan)
    for drain in (plan.dns.health_check_switch or {}).values():
        assert f'"HealthCheckId":"{drain.health_check}"' in command


def test_readiness_flags_a_us_east_1_source_with_weights_only(plan: RecoveryPlan) -> None:
    assert depends_on_control_plane(with_mechanism(plan, "record-weights"), "us-east-1")
    assert not depends_on_control_plane(plan, "us-east-1")
    assert not depends_on_control_plane(with_mechanism(plan, "record-weights"), "us-west-2")


def test_a_plan_without_what_its_mechanism_needs_fails_naming_the_field(plan: RecoveryPlan) -> None:
    document = plan.model_dump(mode="json")
    document["dns"] |= {"mechanism": "routing-control"}
    with pytest.raises(PlanError, match=r"dns\.routing_control: required when dns\.mechanism is routing-control"):
        parse_plan(document)


def test_a_drain_alarm_must_live_in_the_peer_region(plan: RecoveryPlan) -> None:
    document = plan.model_dump(mode="json")
    document["dns"]["health_check_switch"]["us-east-1"]["alarm_region"] = "us-east-1"
    with pytest.raises(PlanError, match=r"dns.health_check_switch.us-east-1.alarm_region: is us-east-1, must be"):
        parse_plan(document)


def test_a_routing_control_cluster_has_five_regional_endpoints(plan: RecoveryPlan) -> None:
    document = plan.model_dump(mode="json")
    arn = "arn:aws:route53-recovery-control::123456789012:controlpanel/p/routingcontrol/{}"
    document["dns"] |= {
        "mechanism": "routing-control",
        "routing_control": {
            "cluster_endpoints": [{"region": "us-west-2", "endpoint": "https://host-a.us-west-2.example/v1"}],
            "controls": {"us-east-1": arn.format("a"), "us-west-2": arn.format("b")},
        },
    }
    with pytest.raises(PlanError, match=r"dns\.routing_control\.cluster_endpoints"):
        parse_plan(document)


class RecordSetsWithHealthChecks:
    def health_checks(self, zone: str, name: str, record_type: str) -> dict[str, str | None]:
        return {"fraud-scoring-use1": "hc-1", "fraud-scoring-usw2": "hc-2"}

    def health_check_exists(self, health_check_id: str) -> bool:
        return True


@pytest.mark.parametrize(("mechanism", "status"), [("record-weights", "fail"), ("health-check-switch", "pass")])
def test_readiness_warns_when_a_us_east_1_failover_needs_route_53s_control_plane(
    plan: RecoveryPlan, mechanism: str, status: str
) -> None:
    from evac.domain.readiness.dns import dns_checks

    checks = {
        c.name: c for c in dns_checks(with_mechanism(plan, mechanism), RecordSetsWithHealthChecks(), source="us-east-1")
    }
    found = checks["route53.data_plane"]
    assert (found.status, found.severity) == (status, "warning")


def test_a_planned_run_whose_primary_did_not_answer_may_move_traffic_on_the_data_plane(failover_run: Run) -> None:
    # GIVEN a planned drill that the Plan step made a failover (the primary did not answer), and a planned switchover
    gone = failover_run.model_copy(update={"mode": "planned", "strategy": "failover"})
    healthy = failover_run.model_copy(update={"mode": "planned", "strategy": "switchover"})
    # THEN only the one whose primary is gone may move traffic without Route 53's control plane
    assert urgency(gone) == urgency(failover_run) == "unplanned"
    assert urgency(healthy) == "planned"
