"""Never make it worse: a failed planned run switches the database back; a failed unplanned one says how to finish."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from evac.domain.escalation import finish_by_hand, switch_back
from evac.domain.runbook import promote_database

if TYPE_CHECKING:
    from evac.domain.models import Run
    from evac.domain.plan import RecoveryPlan
    from tests.fakes.database import FakeGlobalDatabase


def test_switching_back_waits_for_the_switchover_in_flight_then_puts_the_writer_home(
    failover_run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    # GIVEN a planned run whose switchover to us-west-2 is in flight when its traffic step failed
    run = failover_run.model_copy(update={"mode": "planned", "strategy": "switchover"})
    promote_database(run, plan, database=database)

    waiting = switch_back(run, plan, None, database=database)
    database.complete()  # the writer reaches us-west-2
    started = switch_back(run, plan, waiting, database=database)
    database.complete()
    home = switch_back(run, plan, started, database=database)

    assert (waiting.done, started.done, home.done) == (False, False, True)
    assert home.attempt == 3
    assert (database.writer_region, database.in_flight) == ("us-east-1", None)


def test_switching_back_when_the_writer_never_left_changes_nothing(
    failover_run: Run, plan: RecoveryPlan, database: FakeGlobalDatabase
) -> None:
    poll = switch_back(failover_run, plan, None, database=database)

    assert poll.done
    assert database.in_flight is None


def test_the_commands_to_finish_by_hand_scale_then_promote_then_move_dns(failover_run: Run, plan: RecoveryPlan) -> None:
    commands = finish_by_hand(failover_run, plan)

    order = [
        commands.index(c)
        for c in ("update-endpoint-weights-and-capacities", "failover-global-cluster", "change-resource-record-sets")
    ]
    assert order == sorted(order)
    assert all(f"--region {failover_run.target_region}" in c for c in commands.split("  ")[:2])
    endpoint = plan.inference.endpoints[0]
    assert shlex.quote(f"{endpoint.name} {endpoint.variant} {endpoint.active_instances}") in commands
