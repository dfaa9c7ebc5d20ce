"""Cold starts: each deployed handler module's import time in a fresh interpreter (``python -X importtime``, as a
Lambda cold start), as a ratio to importing boto3 and Powertools alone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from evacops.template import ROOT, functions, load_template

if TYPE_CHECKING:
    from collections.abc import Iterable

BASELINE = "boto3, aws_lambda_powertools"
_MARK = "evac-bench: imports start here"


class ImportTime(BaseModel):
    module: str
    seconds: float
    ratio: float = Field(description="to importing boto3 and aws_lambda_powertools alone")


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
