"""SageMaker endpoints: each is InService in the target, serves what the primary serves, and can scale to the plan's
capacity; its artifacts and images are checked beside it. Endpoints are checked several at once (their reads are
independent): preflight takes about as long with fifty endpoints as with one.

An endpoint serves invocations while ``Updating`` (a deployment or an autoscaling step), ``SystemUpdating`` and
``RollingBack`` (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html, EndpointStatus).
A production variant needs only ``VariantName``: one hosting inference components has no ``ModelName``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html), and a model's containers may
take their artifacts from ``ModelDataSource`` or a model package instead of ``ModelDataUrl``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html). What was not read is
unknown, never equal."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from evac.domain.fanout import each
from evac.domain.readiness.artifacts import artifact_checks, artifact_key
from evac.domain.readiness.images import image_checks, image_path
from evac.domain.readiness.probes import Ahead, Finding, Once, catalogued, primary_spec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from evac.domain.models import ReadinessCheck
    from evac.domain.plan import RecoveryPlan
    from evac.domain.plan_inference import Endpoint
    from evac.domain.ports import EndpointSpec, VariantSpec
    from evac.domain.readiness.probes import RegionReads, Source


SERVING = {"InService", "Updating", "SystemUpdating", "RollingBack"}


def endpoint_checks(plan: RecoveryPlan, source: Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    for checks in each(lambda e: list(_endpoint(plan, e, source, target)), plan.inference.endpoints):
        yield from checks


def _endpoint(plan: RecoveryPlan, endpoint: Endpoint, source: Source, target: RegionReads) -> Iterator[ReadinessCheck]:
    # The primary's endpoint is read in another region: started now, beside the target's reads (each region still
    # sees at most fanout.MAX_WORKERS reads at once), it is there when the parity check needs it, not read after.
    with ThreadPoolExecutor(max_workers=1) as beside:
        primary = Once(Ahead(lambda: primary_spec(source, endpoint.name), beside))
        yield from _endpoint_checks(plan, endpoint, source, target, primary)


def _endpoint_checks(
    plan: RecoveryPlan, endpoint: Endpoint, source: Source, target: RegionReads, primary: Once[EndpointSpec]
) -> Iterator[ReadinessCheck]:
    deployed = Once(lambda: target.endpoints.spec(endpoint.name))

    def in_service() -> Finding:
        spec = deployed()
        variant = spec.variant(endpoint.variant)
        shape = f" with {variant.instances} x {variant.instance_type}" if variant else f", no {endpoint.variant}"
        ok = spec.status in SERVING and variant is not None
        return Finding("pass" if ok else "fail", f"{endpoint.name} is {spec.status}{shape}")

    where = {"region": target.region, "variant": endpoint.variant}
    yield catalogued("sagemaker.endpoint_in_service", endpoint.name, in_service, endpoint=endpoint.name, **where)
    spec = deployed.value
    if spec is None:
        return  # nothing deployed to compare: the check above did not pass
    yield catalogued(
        "sagemaker.config_parity",
        endpoint.name,
        lambda: _parity(plan, endpoint, primary, spec, source.reads.region),
        instance_type=endpoint.instance_type,
        **where,
    )
    yield from artifact_checks(endpoint, source, primary, spec, target)
    yield from image_checks(plan, endpoint, source, primary, spec, target)
    yield catalogued(
        "sagemaker.autoscaling",
        endpoint.name,
        lambda: _autoscaling(endpoint, target),
        instances=endpoint.active_instances,
        **where,
    )


def _parity(
    plan: RecoveryPlan, endpoint: Endpoint, source_spec: Callable[[], EndpointSpec], spec: EndpointSpec, source: str
) -> Finding:
    target_variant = spec.variant(endpoint.variant)
    if target_variant is None:
        return Finding("fail", f"{endpoint.name} has no variant {endpoint.variant}")
    problems: list[str] = []
    if target_variant.instance_type not in endpoint.instance_types:
        problems.append(
            f"instance type {target_variant.instance_type} is neither {endpoint.instance_type} nor a fallback"
        )
    primary = source_spec().variant(endpoint.variant)
    if primary is None:
        return Finding("unknown", f"{endpoint.name} in {source} has no variant {endpoint.variant} to compare with")
    if problems:  # the wrong instance type fails whatever the models are
        return Finding("fail", "; ".join(problems))
    if unread := _unread(target_variant, "here") or _unread(primary, source):
        return Finding("unknown", unread)
    ours = [
        (image_path(c.image), artifact_key(plan, c.model_data_url or c.data_source)) for c in target_variant.containers
    ]
    theirs = [(image_path(c.image), artifact_key(plan, c.model_data_url or c.data_source)) for c in primary.containers]
    if ours != theirs:
        problems.append(f"containers {_describe(ours)} differ from {source}'s {_describe(theirs)}")
    if problems:
        return Finding("fail", "; ".join(problems))
    return Finding(
        "pass",
        f"{endpoint.variant}: {target_variant.instance_type} (primary {primary.instance_type}), "
        f"containers {_describe(ours)} as in {source}",
    )


def _unread(variant: VariantSpec, where: str) -> str | None:
    """What of ``variant``'s models was not read (so cannot be compared), or None."""
    if variant.model is None:
        return f"{variant.name} ({where}) hosts inference components: their models are not read"
    if unread := [c.unread for c in variant.containers if c.unread]:
        return f"{variant.name} ({where}): {'; '.join(unread)} not read"
    return None


def _describe(containers: list[tuple[str, str | None]]) -> str:
    return ", ".join(f"{image} + {artifact or 'no artifacts'}" for image, artifact in containers)


def _autoscaling(endpoint: Endpoint, target: RegionReads) -> Finding:
    registered = target.scaling.scalable_target(endpoint.name, endpoint.variant)
    if registered is None:
        return Finding("fail", f"{endpoint.name}/{endpoint.variant} is not a scalable target")
    shape = f"MinCapacity {registered.min_capacity}, MaxCapacity {registered.max_capacity}"
    if registered.max_capacity < endpoint.active_instances:
        return Finding("fail", f"{shape}: cannot reach {endpoint.active_instances}")
    return Finding("pass", shape)
