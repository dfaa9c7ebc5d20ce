"""The bench: how close a failover comes to its physical floor as the application grows, what a run costs, and what
each Lambda handler costs to start.

``run_bench()`` plays the default drill (``primary-outage``) on plans generated from the bundled one with 1, 10 and
50 endpoints, once per DNS shift policy, and reports each run's RTO, critical path, overhead ratio, state transitions
and Lambda invocations (what Step Functions and Lambda bill for) and wall time; then each handler module's import
time (``python -X importtime``, one fresh interpreter per module, as in a Lambda cold start) as a ratio to importing
boto3 and Powertools alone. Times are modelled seconds on the local cloud's scaled clock, except wall and import
times. Ratios are measured within one bench run: the machine's load changes absolute figures between runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from evac.domain.plan import DEFAULT_PLAN
from evacops.drill import run_drill
from evacops.localcloud.clock import DEFAULT_SPEED
from evacops.plans import FOLLOW_CAPACITY, derive, write
from evacops.template import ROOT, functions, load_template

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

Policy = Literal["scale-then-shift", "follow-capacity"]
COUNTS = (1, 10, 50)
POLICIES: tuple[Policy, ...] = ("scale-then-shift", "follow-capacity")
BASELINE = "boto3, aws_lambda_powertools"
_MARK = "evac-bench: imports start here"


class BenchRun(BaseModel):
    endpoints: int
    dns_policy: Policy
    status: str
    expected: bool = Field(description="the drill's expected outcome was verified")
    rto_seconds: float | None
    critical_path_seconds: float | None
    overhead_ratio: float | None
    full_capacity_seconds: float | None
    state_transitions: int
    lambda_invocations: int
    wall_seconds: float
    phases: dict[str, float] = Field(default_factory=dict, description="each phase's modelled seconds: what grows")


class ImportTime(BaseModel):
    module: str
    seconds: float
    ratio: float = Field(description="to importing boto3 and aws_lambda_powertools alone")


class Goal(BaseModel):
    name: str
    target: str
    value: float | None
    met: bool


class BenchReport(BaseModel):
    speed: float = Field(description="modelled seconds per wall second of the local cloud")
    runs: list[BenchRun]
    imports: list[ImportTime]
    baseline_import_seconds: float | None
    goals: list[Goal]


def run_bench(
    counts: Iterable[int] = COUNTS,
    policies: Iterable[Policy] = POLICIES,
    *,
    speed: float = DEFAULT_SPEED,
    imports: bool = True,
    on_run: Callable[[BenchRun], None] | None = None,
) -> BenchReport:
    """Play the default drill for each endpoint count and policy, then time each handler's import."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="evac-bench-") as directory:
        for count in counts:
            for policy in policies:
                shift = FOLLOW_CAPACITY if policy == "follow-capacity" else None
                plan = write(derive(DEFAULT_PLAN, endpoints=count, shift=shift), directory, f"{policy}-{count}.yaml")
                report = run_drill("primary-outage", plan_path=plan, speed=speed)
                run = BenchRun(
                    endpoints=count,
                    dns_policy=policy,
                    status=report.status,
                    expected=report.expected,
                    rto_seconds=report.rto_seconds,
                    critical_path_seconds=report.critical_path_seconds,
                    overhead_ratio=report.overhead_ratio,
                    full_capacity_seconds=report.full_capacity_seconds,
                    state_transitions=report.state_transitions,
                    lambda_invocations=report.lambda_invocations,
                    wall_seconds=report.wall_seconds,
                    phases={phase.name: phase.seconds for phase in report.phases},
                )
                runs.append(run)
                if on_run:
                    on_run(run)
    timed, baseline = (import_times(), import_seconds(BASELINE)) if imports else ([], None)
    return BenchReport(speed=speed, runs=runs, imports=timed, baseline_import_seconds=baseline, goals=goals(runs))


def goals(runs: list[BenchRun]) -> list[Goal]:
    """The issue's goals, as far as these runs can tell: RTO flat as endpoints grow, overhead near the floor with one
    endpoint, and traffic following capacity recovering in at most half the time of scaling fully first."""
    found = []
    by = {(r.dns_policy, r.endpoints): r for r in runs}
    counts = sorted({r.endpoints for r in runs})
    policies = [p for p in POLICIES if any(r.dns_policy == p for r in runs)]
    if len(counts) > 1:
        few, most = counts[0], counts[-1]
        for policy in policies:
            ratio = _ratio(by.get((policy, most)), by.get((policy, few)))
            name = f"{policy}: RTO({most}) / RTO({few})"
            found.append(Goal(name=name, target="<= 1.10", value=ratio, met=ratio is not None and ratio <= 1.10))
    if counts and "scale-then-shift" in policies:
        few = counts[0]
        one = by.get(("scale-then-shift", few))
        overhead = one.overhead_ratio if one else None
        found.append(
            Goal(
                name=f"scale-then-shift: overhead ratio at {few} endpoint(s)",
                target="<= 1.05",
                value=overhead,
                met=overhead is not None and overhead <= 1.05,
            )
        )
        for count in counts if "follow-capacity" in policies else []:
            ratio = _ratio(by.get(("follow-capacity", count)), by.get(("scale-then-shift", count)))
            found.append(
                Goal(
                    name=f"RTO follow-capacity / scale-then-shift at {count} endpoint(s)",
                    target="<= 0.50",
                    value=ratio,
                    met=ratio is not None and ratio <= 0.5,
                )
            )
    return found


def _ratio(numerator: BenchRun | None, denominator: BenchRun | None) -> float | None:
    if not numerator or not denominator or not numerator.rto_seconds or not denominator.rto_seconds:
        return None
    return round(numerator.rto_seconds / denominator.rto_seconds, 3)


def handler_modules() -> list[str]:
    """Every deployed function's handler module, from template.yaml."""
    return sorted({str(p["Handler"]).rpartition(".")[0] for p in functions(load_template()).values()})


def import_times(modules: Iterable[str] | None = None, *, repeat: int = 3) -> list[ImportTime]:
    """Each module's import time, and its ratio to importing boto3 and Powertools alone."""
    baseline = import_seconds(BASELINE, repeat=repeat)
    return [
        ImportTime(module=module, seconds=round(seconds, 4), ratio=round(seconds / baseline, 2))
        for module in modules or handler_modules()
        for seconds in [import_seconds(module, repeat=repeat)]
    ]


def import_seconds(modules: str, *, repeat: int = 3) -> float:
    """The best of ``repeat`` imports of ``modules`` ("a, b") in fresh interpreters, as ``-X importtime`` counts them:
    the cumulative time of each module the statement imports at top level. The environment is a Lambda's (its
    function name set, so Powertools' Tracer patches boto3 as it does under Tracing: Active)."""
    statement = f"import sys; print({_MARK!r}, file=sys.stderr); import {modules}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_"))} | {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), os.environ.get("PYTHONPATH", "")]),
        "AWS_LAMBDA_FUNCTION_NAME": "evac-bench",
        "AWS_REGION": "us-west-2",
        "AWS_DEFAULT_REGION": "us-west-2",
        "POWERTOOLS_SERVICE_NAME": "evac",
        "POWERTOOLS_METRICS_NAMESPACE": "evac",
    }
    best = float("inf")
    for _ in range(repeat):
        done = subprocess.run(  # noqa: S603 - our own interpreter, our own statement
            [sys.executable, "-X", "importtime", "-c", statement],
            capture_output=True,
            text=True,
            env=environment,
            cwd=tempfile.gettempdir(),
            check=True,
        )
        best = min(best, parse_importtime(done.stderr))
    return best


def parse_importtime(stderr: str) -> float:
    """Seconds the imports after the bench's mark took: the sum of the top-level modules' cumulative times.

    >>> out = ["import time: 5 | 5 | site", _MARK, "import time: 10 | 30 | a", "import time: 20 | 20 |   b"]
    >>> parse_importtime("\\n".join(out))
    3e-05
    """
    lines = stderr.splitlines()
    after = lines[lines.index(_MARK) + 1 :] if _MARK in lines else []
    total = 0
    for line in after:
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit() and not name.startswith("  "):  # nested imports are indented
            total += int(cumulative)
    return total / 1_000_000


def write_json(report: BenchReport, path: Path) -> None:
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
