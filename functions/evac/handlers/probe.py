"""Outside-in probes: a scheduled round from this region against the region it watches (the peer, or the primary
when this is the plan's witness region), published as metrics here, where this stack's probe alarm watches them.

A scheduled Lambda rather than CloudWatch Synthetics: the probes are SDK calls (InvokeEndpoint, DescribeDBClusters)
with evac's own bounded clients and its own fail-closed reading of errors; a canary would need an artifacts bucket,
a per-run price and a browser runtime for what is three API calls (docs/triggers.md).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict

from evac.aws import probes
from evac.domain.fanout import each
from evac.domain.probes import round_outcome
from evac.handlers._step import logger, step
from evac.settings import settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evac.domain.probes import ProbeResult


class ProbeInput(BaseModel):
    """The schedule sends its scheduled time (``<aws.scheduler.scheduled-time>``); ``watched`` overrides the region
    to probe (a person's manual invoke, ``{}``)."""

    model_config = ConfigDict(extra="forbid")
    watched: str | None = None
    scheduled_time: AwareDatetime | None = None


class ProbeOutput(BaseModel):
    watched: str
    vantage: str
    failure_share: float | None
    failed: int
    ok: int
    unknown: int
    results: list[dict[str, str | float | None]]


@step(ProbeInput)
def lambda_handler(request: ProbeInput) -> ProbeOutput:
    config = settings()
    plan, here = config.plan, config.region
    watched = request.watched or plan.probed_by(here)
    round_ = round_outcome(probe_region(plan, watched))
    probes.publish(
        here, application=plan.application, watched=watched, vantage=here, round_=round_, at=request.scheduled_time
    )
    logger.info(
        "probe round",
        extra={"watched": watched, "failure_share": round_.failure_share, "unknown": round_.unknown},
    )
    return ProbeOutput(
        watched=watched,
        vantage=here,
        failure_share=round_.failure_share,
        failed=round_.failed,
        ok=round_.answered,
        unknown=round_.unknown,
        results=[
            {"name": r.name, "outcome": r.outcome, "detail": r.detail, "latency_ms": r.latency_ms}
            for r in round_.results
        ],
    )


def probe_region(plan: RecoveryPlan, watched: str) -> list[ProbeResult]:
    """Every probe of ``watched``, each within the plan's timeout, up to ``fanout.MAX_WORKERS`` at once: a dark region
    costs every call its whole timeout, and one after the other, a few dozen endpoints would outlast the function's
    own Timeout and publish nothing (no datapoint: the region would never be seen failing)."""
    timeout = plan.probes.timeout_seconds
    calls: list[Callable[[], ProbeResult]] = [
        partial(probes.canary, watched, endpoint.name, endpoint.canary, timeout_seconds=timeout)
        for endpoint in plan.inference.endpoints
    ]
    calls.append(partial(probes.database, watched, plan.database.clusters[watched], timeout_seconds=timeout))
    if url := plan.probes.health_urls.get(watched):
        calls.append(partial(probes.health_url, url, timeout_seconds=timeout))
    return each(lambda call: call(), calls)
