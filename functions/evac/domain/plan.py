"""The recovery plan: one declarative file describing an application's two-region DR topology.

The same plan seeds the local cloud, parameterises the deployed stack and drives every runbook step. A bad plan fails
at load time with the path of the bad field in the message, e.g. ``database.clusters: names region 'eu-west-9'``.

Example::

    plan = load_plan("functions/evac/plans/fraud-scoring.yaml")
    plan.peer("us-east-1")  # -> "us-west-2"
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evac.domain.plan_dns import DrainSwitch, Mechanism, RoutingControl, mechanism_problems
from evac.domain.plan_inference import Endpoint, Inference
from evac.domain.plan_ml import MlStateBudget
from evac.domain.plan_resources import Resources, check_names, region_maps
from evac.domain.probes import Probes, probe_alarm_name
from evac.errors import PlanError, problems

Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$", description="an AWS region, e.g. us-east-1")]
Name = Annotated[str, Field(min_length=1, max_length=128)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Regions(_Strict):
    primary: Region
    secondary: Region

    @model_validator(mode="after")
    def _distinct(self) -> Regions:
        if self.primary == self.secondary:
            raise ValueError(f"primary and secondary must differ, both are {self.primary!r}")
        return self

    @property
    def both(self) -> tuple[str, str]:
        return (self.primary, self.secondary)


class Database(_Strict):
    """An Aurora Global Database: the global cluster and one regional cluster per region."""

    global_cluster: Name
    engine: Literal["aurora-postgresql", "aurora-mysql"] = "aurora-postgresql"
    clusters: dict[Region, Name] = Field(description="regional cluster identifier, per region")


ShiftPolicy = Literal["scale-then-shift", "follow-capacity"]


class Shift(_Strict):
    """When the runbook moves traffic to the target (see docs/runbook.md, "Traffic follows capacity").

    ``scale-then-shift`` (the default) moves all traffic at once, after every endpoint serves at full capacity.
    ``follow-capacity`` moves ``minimum_share`` of it as soon as the writer is verified and the target's InService
    instances can take that share, then raises the share by ``step`` as more instances come into service; the
    target never receives more traffic than its InService capacity can take (principle 2).
    """

    policy: ShiftPolicy = "scale-then-shift"
    minimum_share: float = Field(
        default=0.25, gt=0, le=1, description="follow-capacity: the first share of traffic the target takes"
    )
    step: float = Field(default=0.25, gt=0, le=1, description="follow-capacity: how much each later raise adds")

    @model_validator(mode="after")
    def _whole_percents(self) -> Shift:
        for name in ("minimum_share", "step"):
            if abs(getattr(self, name) * 100 - round(getattr(self, name) * 100)) > 1e-9:
                raise ValueError(f"{name} must be a whole percent (record weights are integers), e.g. 0.25")
        return self

    @property
    def minimum_percent(self) -> int:
        return round(self.minimum_share * 100)

    @property
    def step_percent(self) -> int:
        return round(self.step * 100)


class Dns(_Strict):
    """A Route 53 record with one weighted record set per region."""

    hosted_zone: Name = Field(description="the hosted zone's name, e.g. example.com.")
    record_name: Name
    record_type: Literal["CNAME", "A", "AAAA"] = "CNAME"
    policy: Literal["weighted"] = "weighted"
    ttl: int = Field(default=60, gt=0, le=86_400)
    set_identifiers: dict[Region, Name]
    targets: dict[Region, Name] = Field(description="what the record answers in each region (a host name for CNAME)")
    shift: Shift = Shift()
    mechanism: Mechanism = Field(
        default="health-check-switch",
        description="how an unplanned run moves traffic when Route 53's control plane does not answer",
    )
    health_check_switch: dict[Region, DrainSwitch] | None = None
    routing_control: RoutingControl | None = None


class Alarm(_Strict):
    """A CloudWatch alarm whose ALARM state means the watched region is failing.

    ``probe`` alarms are the ones the stack in ``region`` creates on its outside-in probes of ``watches``.
    """

    name: Name
    region: Region = Field(description="where the alarm lives (Route 53 health-check alarms live in us-east-1)")
    watches: Region | None = Field(default=None, description="the region whose failure it signals; default: region")
    kind: Literal["metric", "health-check", "probe"] = "metric"
    endpoint: Name | None = Field(default=None, description="the endpoint the alarm measures, if any")

    @property
    def watched_region(self) -> str:
        return self.watches or self.region


class Trigger(_Strict):
    """When an alarm may fail the application over without a person (see docs/triggers.md)."""

    automatic: bool = Field(default=True, description="start the runbook on alarm without a person")
    incident_window_seconds: int = Field(
        default=900, gt=0, description="alarms within one window are one incident: one runbook"
    )
    sustain_seconds: int = Field(
        default=60, ge=0, le=3600, description="an alarm must still be in ALARM this long after it fired"
    )
    quorum: int = Field(default=1, ge=1, description="how many of the failing region's alarms must hold at once")
    cooldown_seconds: int = Field(
        default=3600, ge=0, description="no automatic failover this soon after the last one (no ping-pong)"
    )
    pause_parameter: str | None = Field(
        default=None,
        description="the SSM parameter whose value 'paused' stops automatic failover "
        "(default /evac/<application>/automatic)",
    )


class ReplicatedBucket(_Strict):
    """An S3 bucket in each region; the serving region's bucket replicates to its peer's (S3 Replication)."""

    purpose: Literal["model-artifacts", "training-data", "other"] = "other"
    names: dict[Region, Name] = Field(description="the bucket in each region")


class ReadinessTargets(MlStateBudget):
    """What the target region needs, besides the database and the endpoints, to serve the model as the source does.

    Every list may be empty: readiness checks only what the plan names.
    """

    buckets: list[ReplicatedBucket] = Field(default_factory=list)
    feature_store_tables: list[Name] = Field(
        default_factory=list, description="DynamoDB global tables the model reads online (feature store, metadata)"
    )
    ecr_repositories: list[Name] = Field(default_factory=list, description="ECR repositories of the inference images")
    model_package_group: Name | None = Field(default=None, description="the SageMaker Model Registry group")
    on_critical: Literal["abort", "approve"] = Field(
        default="approve", description="an unplanned run with a critical finding: ask a person, or abort it at once"
    )


class Expectations(_Strict):
    """How long this application's dependencies usually take; the runbook first polls near these, then often.

    Defaults are AWS's typical figures; calibrate them from your drills' phase timings.
    """

    database_promotion_seconds: int = Field(default=60, gt=0, le=3600)
    endpoint_scale_up_seconds: int = Field(default=360, gt=0, le=7200, description="until every new instance serves")
    endpoint_first_instance_seconds: int = Field(
        default=240, gt=0, le=7200, description="until the first new instance serves (follow-capacity polls from then)"
    )
    dns_propagation_seconds: int = Field(default=60, gt=0, le=3600)

    @model_validator(mode="after")
    def _first_before_last(self) -> Expectations:
        if self.endpoint_first_instance_seconds > self.endpoint_scale_up_seconds:
            raise ValueError("endpoint_first_instance_seconds cannot exceed endpoint_scale_up_seconds")
        return self


class RecoveryPlan(_Strict):
    application: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
    account: Annotated[str | None, Field(pattern=r"^\d{12}$", description="the AWS account evac is deployed in")] = None
    regions: Regions
    database: Database
    inference: Inference
    dns: Dns
    alarms: list[Alarm] = Field(min_length=1)
    trigger: Trigger = Trigger()
    rpo_budget_seconds: int = Field(default=60, ge=0)
    approval_timeout_seconds: int = Field(
        default=3600, ge=60, le=86_400, description="a run waiting for approval longer than this is aborted"
    )
    expectations: Expectations = Expectations()
    readiness: ReadinessTargets = ReadinessTargets()
    probes: Probes = Probes()
    resources: Resources = Field(default_factory=list, description="recovered beside database and endpoints, by kind")

    @model_validator(mode="after")
    def _references(self) -> RecoveryPlan:
        regions = set(self.regions.both)
        for field, mapping in (
            ("database.clusters", self.database.clusters),
            ("dns.set_identifiers", self.dns.set_identifiers),
            ("dns.targets", self.dns.targets),
            *((f"readiness.buckets.{i}.names", b.names) for i, b in enumerate(self.readiness.buckets)),
            *region_maps(self.resources),
        ):
            _require_regions(field, set(mapping), regions)
        for problem in mechanism_problems(
            self.dns.mechanism, self.dns.health_check_switch, self.dns.routing_control, self.regions.both
        ):
            raise ValueError(problem)
        endpoints = {e.name for e in self.inference.endpoints}
        if self.probes.witness in regions:
            raise ValueError(f"probes.witness: {self.probes.witness!r} is one of the plan's regions; pick a third")
        for i, alarm in enumerate(self.alarms):
            if alarm.watched_region not in regions:
                raise ValueError(f"alarms.{i}.watches: {alarm.watched_region!r} is not one of the plan's regions")
            if alarm.endpoint is not None and alarm.endpoint not in endpoints:
                raise ValueError(
                    f"alarms.{i}.endpoint: unknown endpoint {alarm.endpoint!r}; known: {sorted(endpoints)}"
                )
            if alarm.kind == "probe":
                _check_probe_alarm(self, i, alarm)
        _require_regions("probes.health_urls", set(self.probes.health_urls), regions, every=False)
        check_names(self.resources, self.application)
        for region in regions:
            watching = self.watching(region)
            if watching and self.trigger.quorum > len(watching):
                raise ValueError(
                    f"trigger.quorum: {self.trigger.quorum} exceeds the {len(watching)} alarm(s) watching {region}"
                )
        return self

    def peer(self, region: str) -> str:
        """The other region of the plan."""
        primary, secondary = self.regions.both
        if region not in (primary, secondary):
            raise PlanError(f"region {region!r} is not in the plan (regions: {primary}, {secondary})")
        return secondary if region == primary else primary

    @property
    def pause_parameter(self) -> str:
        return self.trigger.pause_parameter or f"/evac/{self.application}/automatic"

    @property
    def vantages(self) -> list[str]:
        """Every region a stack of this plan runs in: the two, then the witness if any."""
        return [*self.regions.both, *([self.probes.witness] if self.probes.witness else [])]

    def probed_by(self, vantage: str) -> str:
        """The region the stack in ``vantage`` probes: the peer, or the primary for the witness."""
        return self.regions.primary if vantage == self.probes.witness else self.peer(vantage)

    def watching(self, region: str) -> list[Alarm]:
        """The alarms whose ALARM state means ``region`` is failing."""
        return [a for a in self.alarms if a.watched_region == region]

    def alarm(self, name: str) -> Alarm | None:
        return next((a for a in self.alarms if a.name == name), None)

    def endpoint(self, name: str) -> Endpoint:
        for endpoint in self.inference.endpoints:
            if endpoint.name == name:
                return endpoint
        raise PlanError(f"unknown endpoint {name!r}; the plan has {[e.name for e in self.inference.endpoints]}")


def _check_probe_alarm(plan: RecoveryPlan, index: int, alarm: Alarm) -> None:
    """A probe alarm lives where its prober runs (the peer of the region it watches, or the witness, which probes
    the primary) and has the name that stack gives it."""
    watched = alarm.watched_region
    vantages = {plan.peer(watched)} | (
        {plan.probes.witness} if plan.probes.witness and watched == plan.regions.primary else set()
    )
    if alarm.region not in vantages:
        raise ValueError(
            f"alarms.{index}.region: a probe alarm watching {watched} lives where a prober of it runs "
            f"({', '.join(sorted(r for r in vantages if r))}), not in {alarm.region}"
        )
    expected = probe_alarm_name(plan.application, watched, alarm.region)
    if alarm.name != expected:
        raise ValueError(f"alarms.{index}.name: the probe alarm the stack in {alarm.region} creates is {expected!r}")


def _require_regions(field: str, present: set[str], expected: set[str], *, every: bool = True) -> None:
    if every and (missing := expected - present):
        raise ValueError(f"{field}: missing region(s) {sorted(missing)}")
    if extra := present - expected:
        raise ValueError(f"{field}: names region(s) {sorted(extra)} that are not the plan's primary or secondary")


def parse_plan(document: object, *, source: str = "plan") -> RecoveryPlan:
    """Validate a plan already read into Python data; errors name the field's path."""
    try:
        return RecoveryPlan.model_validate(document)
    except ValidationError as exc:
        raise PlanError(f"{source} is invalid: {problems(exc)}") from None


def load_plan(path: str | Path) -> RecoveryPlan:
    """Read and validate a plan file (YAML or JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"cannot read plan {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PlanError(f"{path} is not a plan: not UTF-8 text") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{path} is not valid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise PlanError(f"{path} is not valid YAML: {_yaml_problem(exc)}") from None
    return parse_plan(document, source=str(path))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's error on one line: what is wrong, and where (its own message spans several, with the text)."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else str(problem)


DEFAULT_PLAN = Path(__file__).resolve().parent.parent / "plans" / "fraud-scoring.yaml"


@cache
def bundled_plan(path: str) -> RecoveryPlan:
    """The plan a deployed function runs with, read once per Lambda container."""
    return load_plan(path)
