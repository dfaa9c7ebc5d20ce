"""Every command that takes --plan answers a broken plan, or a set-up the local cloud cannot model, with one line on
stderr and exit code 2: never a traceback, and nothing started."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from evacops.cli import app

ROOT = Path(__file__).resolve().parents[2]
EU_PLAN = ROOT / "tests" / "plans" / "eu-search.yaml"
runner = CliRunner()  # stdout and stderr apart: result.stdout, result.stderr

# Each command that reads --plan, with the arguments it needs besides (plan check takes the plan as an argument).
COMMANDS = {
    "drill": ["drill", "--quiet", "--report-dir", "{tmp}/reports", "--plan"],
    "readiness": ["readiness", "--plan"],
    "chaos": ["chaos", "--subset", "--plan"],
    "bench": ["bench", "--endpoints", "1", "--no-imports", "--plan"],
    "decide": ["decide", "--event", str(ROOT / "events" / "alarm-health-check.json"), "--plan"],
    "plan check": ["plan", "check"],
    "plan params": ["plan", "params", "--region", "eu-west-1", "--hosted-zone-id", "Z1", "--plan"],
    "history": ["history", "--plan"],
    "report": ["report", "no-such-run", "--plan"],
    "approve": ["approve", "no-such-run", "--region", "eu-west-2", "--plan"],
    "reject": ["reject", "no-such-run", "--reason", "drill", "--region", "eu-west-2", "--plan"],
}
# What only the local cloud cannot do: commands that run no local cloud accept these plans.
LOCAL = ("drill", "readiness", "chaos", "bench")


def eu_plan_with(tmp_path: Path, old: str, new: str) -> Path:
    text = EU_PLAN.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def broken(tmp_path: Path, case: str) -> Path:
    """A plan file broken as ``case`` says."""
    if case == "missing file":
        return tmp_path / "no-such-plan.yaml"
    if case == "not YAML":
        path = tmp_path / "plan.yaml"
        path.write_text("application: x\n  regions: [\n", encoding="utf-8")
        return path
    if case == "not text":
        path = tmp_path / "plan.yaml"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
        return path
    if case == "a directory":
        return tmp_path
    if case == "same region twice":
        return eu_plan_with(tmp_path, "secondary: eu-west-2", "secondary: eu-west-1")
    if case == "no such region":
        return eu_plan_with(tmp_path, "eu-west-2", "eu-west-9")
    raise AssertionError(case)


def invoke(command: str, plan: Path, tmp_path: Path) -> tuple[int, str, str]:
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[command]]
    result = runner.invoke(app, [*args, str(plan)])
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_exit_2(code: int, stdout: str, stderr: str, *expected: str) -> None:
    assert code == 2, (stdout, stderr)
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stdout + stderr
    for words in expected:
        assert words in stderr


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing file", "cannot read plan"),
        ("not YAML", "is not valid YAML: mapping values are not allowed here (line 2"),
        ("not text", "not UTF-8 text"),
        ("a directory", "cannot read plan"),
        ("same region twice", "primary and secondary must differ, both are 'eu-west-1'"),
        ("no such region", "eu-west-9 is not an AWS region"),
    ],
)
def test_a_broken_plan_is_one_line_and_exit_2(command: str, case: str, expected: str, tmp_path: Path) -> None:
    assert_one_line_exit_2(*invoke(command, broken(tmp_path, case), tmp_path), expected)


@pytest.mark.parametrize("command", LOCAL)
@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1"])
def test_a_region_outside_the_commercial_partition_is_refused_by_the_local_cloud_in_one_line(
    command: str, region: str, tmp_path: Path
) -> None:
    plan = eu_plan_with(tmp_path, "eu-west-2", region)

    assert_one_line_exit_2(
        *invoke(command, plan, tmp_path), f"semantic-search's regions.secondary: {region} is in the aws-"
    )
    assert not (tmp_path / "reports").exists()  # nothing started


def test_plan_check_accepts_a_plan_in_another_partition_and_notes_the_local_cloud_cannot_drill_it(
    tmp_path: Path,
) -> None:
    # GIVEN the plan moved to AWS's two China regions
    plan = eu_plan_with(tmp_path, "eu-west-1", "cn-north-1")
    plan.write_text(plan.read_text(encoding="utf-8").replace("eu-west-2", "cn-northwest-1"), encoding="utf-8")

    result = runner.invoke(app, ["plan", "check", str(plan)])

    assert result.exit_code == 0, result.stderr
    assert "cn-north-1 -> cn-northwest-1" in result.stdout
    assert "aws-cn partition" in result.stdout


def test_a_plan_the_local_cloud_cannot_seed_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # GIVEN a valid plan whose instance type moto 5.2.5 does not list (it validates against an old list)
    plan = eu_plan_with(tmp_path, "instance_type: ml.m5.large", "instance_type: ml.g5.xlarge")

    # WHEN it is drilled
    code, stdout, stderr = invoke("drill", plan, tmp_path)

    # THEN one line names what was refused, and no drill report is written
    assert_one_line_exit_2(code, stdout, stderr, "the local cloud cannot set up semantic-search: CreateEndpointConfig")
    assert "ml.g5.xlarge" in stderr
    assert not (tmp_path / "reports").exists()


def test_an_unknown_scenario_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["drill", "--scenario", "meteor-strike", "--plan", str(EU_PLAN)])

    assert_one_line_exit_2(result.exit_code, result.stdout, result.stderr, "unknown scenario 'meteor-strike'")
