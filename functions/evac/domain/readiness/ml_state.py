"""The age of the model state in the target: how far what an AI service needs there lags behind the source.

Readiness's other checks say whether the target serves the model it runs; this says how old that state is next to
the source's, item by item, in seconds (0: the target holds the source's newest):

- ``model_package``: the source's newest approved package (by ``CreationTime``, DescribeModelPackage) is approved in
  the target, by content (``registry.content``); otherwise the lag runs from the creation of the oldest approved
  package the target lacks (the first change not replicated, as replication lag is measured).
- ``model_artifact``: that package's artifact is in the target's bucket as the source's object (``same_object``);
  otherwise it runs from the source object's ``LastModified`` (S3 HeadObject).
- ``model_image``: that package's image resolves to its digest in the target's registry; otherwise it runs from the
  package's creation (the image was pushed before it: a lower bound).
- ``feature_table``: each feature-store table's ``ReplicationLatency`` from the source to the target (DynamoDB
  global tables, "Monitoring global tables": milliseconds, per source and receiving region, published in the source's
  region), its worst over the last 15 minutes.

The total is the oldest item (the state is as old as its oldest part), unknown if any item is. Compared with the
plan's ``readiness.ml_state_budget_seconds`` as ``ml.state_lag``: a warning unless ``ml_state_severity`` says
critical, since a target a model version behind still serves (stale, not down), and what it cannot serve is already
critical in ``sagemaker.config_parity``, ``s3.model_artifact`` and ``ecr.image_present``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Protocol

from evac import clock
from evac.domain.models import MlStateLag
from evac.domain.readiness.artifacts import S3_URL, same_object
from evac.domain.readiness.images import ECR_HOST
from evac.domain.readiness.probes import Finding, catalogued
from evac.domain.readiness.registry import content, newest_approved
from evac.errors import EvacError

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import ModelPackage
    from evac.domain.readiness.probes import RegionReads, Source


class TableLatency(Protocol):
    def replication_latency(self, table: str, receiving_region: str) -> float | None:
        """The worst recent ``ReplicationLatency`` of ``table`` towards ``receiving_region``; None without data."""
        ...


def ml_state(plan: RecoveryPlan, source: Source, target: RegionReads) -> list[MlStateLag]:
    """Each item's lag; an item that cannot be read is there with ``seconds`` None, saying why."""
    items: list[MlStateLag] = []
    group = plan.readiness.model_package_group
    if group is not None:
        theirs: list[ModelPackage] = []

        def package() -> MlStateLag:
            theirs.extend(source(lambda: source.reads.registry.packages(group)))
            return _package_lag(plan, group, theirs, target.registry.packages(group))

        items.append(_read("model_package", group, package))
        newest = newest_approved(theirs)
        if newest is not None and newest.containers:
            first = newest.containers[0]
            if first.model_data_url:
                items.append(
                    _read("model_artifact", first.model_data_url, partial(_artifact_lag, plan, newest, source, target))
                )
            items.append(_read("model_image", first.image, partial(_image_lag, newest, source, target)))
    metrics = source.reads.table_metrics
    for table in plan.readiness.feature_store_tables:
        items.append(_read("feature_table", table, partial(_table_lag, metrics, table, source, target)))
    return items


def total(items: list[MlStateLag]) -> float | None:
    """The oldest item; None when any item is unknown (or there are none)."""
    known = [i.seconds for i in items if i.seconds is not None]
    return max(known) if known and len(known) == len(items) else None


def lag_check(plan: RecoveryPlan, items: list[MlStateLag]) -> ReadinessCheck:
    budget = plan.readiness.ml_state_budget_seconds

    def judged() -> Finding:
        late = [
            f"{i.item} {i.resource} {i.seconds:.0f} s" for i in items if i.seconds is not None and i.seconds > budget
        ]
        if late:
            severity = plan.readiness.ml_state_severity
            return Finding("fail", f"lags past the {budget} s budget: {'; '.join(late)}", severity=severity)
        oldest = total(items)
        if oldest is None:
            return Finding(
                "unknown", "; ".join(f"{i.item} {i.resource}: {i.evidence}" for i in items if i.seconds is None)
            )
        return Finding("pass", f"the target's model state lags {oldest:.1f} s, budget {budget} s")

    return catalogued("ml.state_lag", plan.application, judged, budget=budget)


def _read(item: str, resource: str, read: Callable[[], MlStateLag]) -> MlStateLag:
    try:
        return read()
    except EvacError as exc:
        return MlStateLag(item=item, resource=resource, seconds=None, evidence=f"could not be read: {exc}")


def _since(moment: datetime | None) -> float | None:
    return None if moment is None else max(0.0, (clock.now() - moment).total_seconds())


def _package_lag(plan: RecoveryPlan, group: str, theirs: list[ModelPackage], ours: list[ModelPackage]) -> MlStateLag:
    held = {content(plan, p) for p in ours if p.approval == "Approved"}
    approved = sorted(
        (p for p in theirs if p.approval == "Approved"), key=lambda p: (p.created is not None, p.created, p.version)
    )
    if not approved:
        return MlStateLag(item="model_package", resource=group, seconds=None, evidence="no approved package in source")
    newest_held = max((n for n, p in enumerate(approved) if content(plan, p) in held), default=-1)
    if newest_held == len(approved) - 1:
        return MlStateLag(
            item="model_package",
            resource=group,
            seconds=0.0,
            evidence=f"holds the source's newest approved version {approved[-1].version}",
        )
    missing = approved[newest_held + 1]
    return MlStateLag(
        item="model_package",
        resource=group,
        seconds=_since(missing.created),
        evidence=f"lacks the source's version {missing.version} (created {missing.created}) and any newer",
    )


def _artifact_lag(plan: RecoveryPlan, newest: ModelPackage, source: Source, target: RegionReads) -> MlStateLag:
    url = str(newest.containers[0].model_data_url)
    found = S3_URL.match(url)
    theirs = source(lambda: source.reads.buckets.stored(found["bucket"], found["key"])) if found else None
    if found is None or theirs is None:
        return MlStateLag(item="model_artifact", resource=url, seconds=None, evidence="not an S3 object in the source")
    bucket = next((b.names[target.region] for b in plan.readiness.buckets if found["bucket"] in b.names.values()), None)
    if bucket is None:
        return MlStateLag(item="model_artifact", resource=url, seconds=None, evidence="not in a bucket the plan names")
    ours = target.buckets.stored(bucket, found["key"])
    verdict = same_object(ours, theirs, url) if ours is not None else Finding("fail", f"not in {bucket}")
    if verdict.status == "pass":
        return MlStateLag(item="model_artifact", resource=url, seconds=0.0, evidence=verdict.evidence)
    if verdict.status == "unknown":
        return MlStateLag(item="model_artifact", resource=url, seconds=None, evidence=verdict.evidence)
    return MlStateLag(
        item="model_artifact", resource=url, seconds=_since(theirs.last_modified), evidence=verdict.evidence
    )


def _image_lag(newest: ModelPackage, source: Source, target: RegionReads) -> MlStateLag:
    image = newest.containers[0].image
    host = ECR_HOST.match(image)
    if host is None:
        return MlStateLag(item="model_image", resource=image, seconds=None, evidence="not an ECR image")
    wanted = newest.containers[0].image_digest or source(lambda: source.reads.images.digest(image))
    here = image.replace(f".{host['region']}.", f".{target.region}.", 1)
    digest = target.images.digest(here)
    if wanted is not None and digest == wanted:
        return MlStateLag(item="model_image", resource=image, seconds=0.0, evidence=f"{here} resolves to {digest}")
    return MlStateLag(
        item="model_image",
        resource=image,
        seconds=_since(newest.created),
        evidence=f"{here} resolves to {digest or 'nothing'}, the source's package deploys {wanted}",
    )


def _table_lag(metrics: TableLatency | None, table: str, source: Source, target: RegionReads) -> MlStateLag:
    seconds = source(lambda: metrics.replication_latency(table, target.region)) if metrics is not None else None
    evidence = (
        f"ReplicationLatency {source.reads.region} to {target.region}: {seconds:.3f} s"
        if seconds is not None
        else f"no ReplicationLatency from {source.reads.region} to {target.region} in the last 15 minutes"
    )
    return MlStateLag(item="feature_table", resource=table, seconds=seconds, evidence=evidence)
