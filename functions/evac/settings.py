"""Settings a deployed function reads from its environment (set in template.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from evac.domain.plan import DEFAULT_PLAN, RecoveryPlan, bundled_plan

# The root of the deployed bundle (functions/, /var/task in Lambda): a relative EVAC_PLAN is read from there.
_BUNDLE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    region: str
    plan_path: str
    table: str
    runbook_arn: str
    watch_arn: str
    topic_arn: str
    # The functions this one warms before they are needed (evac.aws.warmup); empty when the stack's WarmUp is off.
    warm_functions: tuple[str, ...] = ()
    # Of those, the ones the runbook runs once per endpoint, warmed once per endpoint it runs at once (warm_ups).
    warm_per_endpoint: tuple[str, ...] = ()

    @property
    def plan(self) -> RecoveryPlan:
        return bundled_plan(self.plan_path)


def settings() -> Settings:
    """Read at call time, not import time, so one container always sees its own function's environment."""
    return Settings(
        region=os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "")),
        plan_path=str(_BUNDLE_ROOT / os.environ.get("EVAC_PLAN", str(DEFAULT_PLAN))),
        table=os.environ.get("EVAC_TABLE", ""),
        runbook_arn=os.environ.get("EVAC_RUNBOOK_ARN", ""),
        watch_arn=os.environ.get("EVAC_WATCH_ARN", ""),
        topic_arn=os.environ.get("EVAC_TOPIC_ARN", ""),
        warm_functions=_names("EVAC_WARM_FUNCTIONS"),
        warm_per_endpoint=_names("EVAC_WARM_PER_ENDPOINT"),
    )


def _names(variable: str) -> tuple[str, ...]:
    """A comma-separated list of function names from the environment."""
    return tuple(n.strip() for n in os.environ.get(variable, "").split(",") if n.strip())
