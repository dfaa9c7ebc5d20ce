"""samconfig.toml deploys the bundled plan in both regions: its overrides are what `evac plan params` derives."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evacops.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("env", "region"), [("use1", "us-east-1"), ("usw2", "us-west-2"), ("use2", "us-east-2")])
def test_each_regions_deploy_config_matches_the_plan(env: str, region: str) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))[env]["deploy"]["parameters"]
    overrides = dict(part.split("=", 1) for part in config["parameter_overrides"].split())

    derived = CliRunner().invoke(
        app, ["plan", "params", "--region", region, "--hosted-zone-id", overrides["HostedZoneId"]]
    )

    assert config["region"] == region
    assert dict(part.split("=", 1) for part in derived.output.split()) == overrides | {
        "PlanFile": "evac/plans/fraud-scoring.yaml"
    }
