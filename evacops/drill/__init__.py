"""Drills: a scenario played on the local cloud, its outcome judged from the cloud's ground truth.

``engine`` plays (``run_drill``), ``scenarios`` says what each drill does and expects, ``observation`` reads the end
state, ``floor`` computes RTO's critical path, ``verdict`` judges, ``report`` is the drill report contract.
"""

from __future__ import annotations

from evacops.drill.engine import run_drill
from evacops.drill.report import DrillReport, EndpointReport, PhaseReport, TrafficReport, Verdict
from evacops.drill.scenarios import SCENARIOS, Options, Scenario

__all__ = [
    "SCENARIOS",
    "DrillReport",
    "EndpointReport",
    "Options",
    "PhaseReport",
    "Scenario",
    "TrafficReport",
    "Verdict",
    "run_drill",
]
