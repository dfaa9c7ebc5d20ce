"""What the local cloud can model, said before anything starts: any two commercial AWS regions, and a plan whose
seeding moto accepts. Anything else is one ``UnsupportedSetupError`` naming the reason, never a traceback::

    check_plan(plan)   # raises UnsupportedSetupError("... cn-north-1 is in the aws-cn partition ...")

Which region offers which service is botocore's endpoint data (the same table boto3 resolves endpoints from), so a
region is supported exactly when AWS offers every service evac calls there; moto keeps one backend per such region.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from evac.errors import EvacError

if TYPE_CHECKING:
    from evac.domain.plan import RecoveryPlan

# The commercial partition: the local cloud's account, ARNs and Route 53 backend are in it.
PARTITION = "aws"
# Every service the deployed stack and the seeded application use in a plan's region.
SERVICES = (
    "application-autoscaling",
    "cloudwatch",
    "dynamodb",
    "ecr",
    "events",
    "lambda",
    "rds",
    "s3",
    "sagemaker",
    "sagemaker-runtime",
    "service-quotas",
    "sns",
    "ssm",
    "stepfunctions",
    "sts",
)
# The most of AWS's message a set-up failure repeats.
_LONGEST = 240


class UnsupportedSetupError(EvacError):
    """The local cloud cannot model this plan (its regions, or something its seeding needs); the message says why."""


@cache
def _endpoints() -> boto3.session.Session:
    """One session for the questions below: each new session parses botocore's endpoint data again."""
    return boto3.session.Session()


@cache
def _offered(service: str, partition: str = PARTITION) -> frozenset[str]:
    return frozenset(_endpoints().get_available_regions(service, partition_name=partition))


def commercial_regions() -> list[str]:
    """The regions the local cloud can model: commercial regions that offer every service evac uses."""
    return sorted(frozenset.intersection(*(_offered(s) for s in SERVICES)))


@cache
def partition_of(region: str) -> str | None:
    """The partition (aws, aws-cn, aws-us-gov...) whose regions include ``region``, or None for no known region."""
    return next((p for p in _endpoints().get_available_partitions() if region in _offered("sts", p)), None)


def region_problem(region: str, *, local: bool = True) -> str | None:
    """Why ``region`` cannot be a plan's region (``local``: on the local cloud), or None when it can."""
    partition = partition_of(region)
    if partition is None:
        return f"{region} is not an AWS region botocore knows"
    if not local or region in commercial_regions():
        return None
    if partition != PARTITION:
        return f"{region} is in the {partition} partition; the local cloud models commercial (aws) regions only"
    missing = [s for s in SERVICES if region not in _offered(s)]
    return f"AWS offers no {', '.join(missing)} in {region}"


def check_plan(plan: RecoveryPlan, *, local: bool = True) -> None:
    """Raise ``UnsupportedSetupError`` (one line) if a region ``plan`` names is no AWS region, or (``local``) one the
    local cloud cannot model."""
    places = [("regions.primary", plan.regions.primary), ("regions.secondary", plan.regions.secondary)]
    places += [(f"alarms.{i}.region", alarm.region) for i, alarm in enumerate(plan.alarms)]
    for field, region in places:
        if problem := region_problem(region, local=local):
            where = "the local cloud cannot model" if local else "AWS has no such region for"
            raise UnsupportedSetupError(f"{where} {plan.application}'s {field}: {problem}")


def setup_failure(plan: RecoveryPlan, exc: ClientError | BotoCoreError) -> UnsupportedSetupError:
    """A call that seeding or deploying ``plan`` made and the simulated AWS refused, as one line: the operation and
    the start of AWS's message (moto's own checks, such as its list of SageMaker instance types, can be long)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        what = f"{exc.operation_name}: {error.get('Code', 'error')}: {error.get('Message', '')}"
    else:
        what = str(exc)
    what = " ".join(what.split())
    if len(what) > _LONGEST:
        what = what[: _LONGEST - 1] + "…"
    return UnsupportedSetupError(f"the local cloud cannot set up {plan.application}: {what}")
