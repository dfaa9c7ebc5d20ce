"""Plans as the files that read them by path need, and a local cloud of a plan object.

The operator tooling passes plans as objects (loaded once); ``LocalCloud`` writes the file its functions read::

    with local_cloud(plan) as cloud:
        cloud.writer_region()
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from evacops.localcloud import LocalCloud
from evacops.localcloud.fork import adopted

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
    """A fresh local cloud of ``plan``; ``options`` are LocalCloud's (latencies, log_file). In a drill forked from a
    prepared cloud (``evacops.localcloud.fork``), that cloud, started now."""
    if (prepared := adopted(plan, options)) is not None:
        prepared.start()
        try:
            yield prepared
        finally:
            prepared.close_running()
        return
    with LocalCloud(plan, **options) as cloud:
        yield cloud
