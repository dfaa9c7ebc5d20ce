"""The scenario catalogue (`evac drill --list`): what each registered scenario rehearses, the outcome it expects and
the checks its verdict makes, read from the registry (``SCENARIOS``) and the verdicts themselves, never a hand list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from evacops.drill.report import DrillReport
from evacops.drill.scenarios import SCENARIOS, Options
from evacops.drill.variants import derive
from evacops.drill.verdict import verdicts

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan
    from evacops.drill.scenarios import Scenario


class ScenarioEntry(BaseModel):
    name: str
    rehearses: str
    outcome: str  # the expected outcome: failover, switchover, no-failover, aborted, dry-run, failback, failed
    runbooks: int  # runbook executions expected across both regions
    error: str | None = None  # the named error the runbook must end with
    notice: str | None = None  # what a notification must say
    dns_shift: str | None = None  # the scenario's own dns.shift policy (None: the plan's)
    checks: list[str]  # the verdicts' names, then the scenario's own checks (described)

    @property
    def expected(self) -> str:
        """The outcome in one phrase, e.g. ``failed with InferenceScaleError``."""
        said = [f"{self.runbooks} runbook{'s' if self.runbooks != 1 else ''}"]
        if self.error:
            said.append(self.error)
        if self.notice:
            said.append(f"notifies {self.notice!r}")
        return f"{self.outcome} ({', '.join(said)})"


def catalog(plan: RecoveryPlan) -> list[ScenarioEntry]:
    """Every registered scenario, in registration order."""
    return [entry(scenario, plan) for scenario in SCENARIOS.values()]


def entry(scenario: Scenario, plan: RecoveryPlan) -> ScenarioEntry:
    outcome = scenario.expected(Options())
    runbooks = 1 if outcome == "aborted" else scenario.runbooks
    return ScenarioEntry(
        name=scenario.name,
        rehearses=scenario.summary,
        outcome=outcome,
        runbooks=runbooks,
        error=scenario.error,
        notice=scenario.notice,
        dns_shift=scenario.shift.get("policy") if scenario.shift else None,
        checks=check_names(scenario, plan),
    )


def check_names(scenario: Scenario, plan: RecoveryPlan) -> list[str]:
    """The checks a drill of ``scenario`` makes: the verdicts' own names (the verdicts judged on an empty report,
    so the list cannot drift from what they check), ``traffic_within_capacity`` when the runbook succeeds, then the
    scenario's own checks, described by their docstring."""
    outcome = scenario.expected(Options())
    played = derive(plan, shift=scenario.shift) if scenario.shift is not None else plan
    blank = DrillReport(
        scenario=scenario.name,
        status="SKIPPED",
        executions=0,
        from_region=played.regions.primary,
        to_region=played.regions.secondary,
        strategy=None,
        writer_region=None,
        dns_region=None,
        endpoints=[],
        rto_seconds=None,
        critical_path_seconds=None,
        overhead_ratio=None,
        rpo_seconds=None,
        phases=[],
        wall_seconds=0.0,
        incident_id="any",
    )
    names = [v.name for v in verdicts(blank, outcome, scenario, played, None)]
    if outcome in ("failover", "switchover", "failback", "dry-run") and not scenario.arc:  # the engine checks it
        names.append("traffic_within_capacity")
    if scenario.checks is not None:
        names.append((scenario.checks.__doc__ or scenario.checks.__name__).strip().splitlines()[0])
    return names
