"""The application's own functions the seed deploys for a plan's ``custom`` resources, run by the local cloud's Lambda
runtime as a team's function would run in Lambda.

``warm_cache`` records the event it was invoked with in its region's SSM Parameter Store (``ran_parameter``), so a
drill's verdict reads from moto's own state where and for which run it ran; ``fail`` raises, as a function whose
work failed does (Lambda answers ``FunctionError: Unhandled``).
"""

from __future__ import annotations

import json
from typing import Any

import boto3


def ran_parameter(resource: str) -> str:
    """Where ``warm_cache`` records its last run, in its region."""
    return f"/{resource}/last-run"


def warm_cache(event: dict[str, Any], context: Any) -> dict[str, Any]:
    region = str(context.invoked_function_arn).split(":")[3]
    evac = event["evac"]
    boto3.client("ssm", region).put_parameter(
        Name=ran_parameter(evac["resource"]), Value=json.dumps(evac), Type="String", Overwrite=True
    )
    return {"warmed": evac["resource"], "region": region}


def fail(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    raise RuntimeError(f"the vector cache of {event['evac']['resource']} could not be loaded")
