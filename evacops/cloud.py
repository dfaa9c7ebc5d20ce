"""The one place a recovery plan object becomes the file the local cloud deploys.

``LocalCloud`` deploys a plan by path: its functions read the plan from a file, as the deployed bundle does. The
operator tooling passes plans as objects (loaded once); ``local_cloud`` writes the plan for the cloud's lifetime.
It goes when ``LocalCloud`` accepts a ``RecoveryPlan`` itself::

    with local_cloud(plan, speed=60) as cloud:
        cloud.writer_region()
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from evacops.localcloud import LocalCloud

if TYPE_CHECKING:
    from collections.abc import Iterator

    from evac.domain.plan import RecoveryPlan


def plan_document(plan: RecoveryPlan) -> dict[str, Any]:
    """The plan as data, as a plan file holds it."""
    return plan.model_dump(mode="json", by_alias=True)


def write_plan(plan: RecoveryPlan, directory: str | Path, name: str = "plan.yaml") -> Path:
    """Write ``plan`` as YAML to ``directory`` (for what reads a plan by path); returns its path."""
    path = Path(directory) / name
    path.write_text(yaml.safe_dump(plan_document(plan), sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def local_cloud(plan: RecoveryPlan, **options: Any) -> Iterator[LocalCloud]:
    """A fresh local cloud of ``plan``; ``options`` are LocalCloud's (speed, latencies, log_file)."""
    with (
        tempfile.TemporaryDirectory(prefix="evac-plan-") as directory,
        LocalCloud(write_plan(plan, directory, f"{plan.application}.yaml"), **options) as cloud,
    ):
        yield cloud
