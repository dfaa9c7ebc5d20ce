"""The import rules in pyproject.toml hold, and they catch a violation: a seeded import breaks its contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` with ``tree``'s evac and evacops first on the path, and the project's own contracts."""
    env = {**os.environ, "PYTHONPATH": f"{tree / 'functions'}{os.pathsep}{tree}"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's two packages, to seed violations in."""
    shutil.copytree(
        ROOT / "functions" / "evac", tmp_path / "functions" / "evac", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "evacops", tmp_path / "evacops", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_project_keeps_every_import_rule() -> None:
    found = _lint(ROOT)
    assert found.returncode == 0, found.stdout + found.stderr


@pytest.mark.parametrize(
    ("module", "seeded", "broken"),
    [
        ("functions/evac/domain/fanout.py", "import boto3", "The domain imports no adapter"),
        ("functions/evac/domain/fanout.py", "import evac.aws.clients", "The domain imports no adapter"),
        ("functions/evac/handlers/plan.py", "import evacops", "Deployed code imports no operator tooling"),
        ("functions/evac/aws/ssm.py", "import evac.handlers.plan", "Adapters import no handler"),
    ],
)
def test_a_seeded_violating_import_breaks_its_rule(tree: Path, module: str, seeded: str, broken: str) -> None:
    # GIVEN one module that imports what its layer must not
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{seeded}  # seeded violation\n", encoding="utf-8")
    # WHEN the rules run THEN they fail, naming the broken contract
    found = _lint(tree)
    assert found.returncode != 0
    assert f"{broken}" in found.stdout
    assert "BROKEN" in found.stdout
