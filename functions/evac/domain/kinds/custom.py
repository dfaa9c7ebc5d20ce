"""Custom actions: a Lambda function of the application's, invoked in the target for what no kind covers (warming a
cache, re-pointing a queue), with the event below. Done when it returns without a ``FunctionError`` within the
plan's ``timeout_seconds``; an error names the function and its error.

The invocation is synchronous (``RequestResponse``, https://docs.aws.amazon.com/lambda/latest/dg/invocation-sync.html):
its answer is the outcome, with nothing to poll afterwards. It runs in ``start``, once a run; a ``start`` the ASL
retries (a throttled call of another resource) invokes it again, so the function must be idempotent, as ARC Region
switch asks of its custom-action functions. An ungraceful run invokes it too (it runs in the target) unless the
resource says ``ungraceful: skip``.

The event::

    {"evac": {"incident_id": "...", "application": "rag-assistant", "resource": "rag-assistant-warm-cache",
              "phase": "promote", "strategy": "failover", "graceful": false,
              "source_region": "us-east-1", "target_region": "us-west-2"}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evac.domain.kinds.step import Context, Look
from evac.errors import ResourceRecoveryError

if TYPE_CHECKING:
    from evac.domain.plan_resources import CustomAction

# The runbook stage every resource runs in (evac.domain.timing's "resources" phase, in the promote stage).
PHASE = "promote"


def event(context: Context, action: CustomAction) -> dict[str, Any]:
    """What the function is invoked with (see the module)."""
    run = context.run
    return {
        "evac": {
            "incident_id": run.incident_id,
            "application": run.application,
            "resource": action.name,
            "phase": PHASE,
            "strategy": run.strategy,
            "graceful": context.graceful,
            "source_region": run.source_region,
            "target_region": run.target_region,
        }
    }


def start(context: Context, action: CustomAction) -> Look:
    """Invoke the target's function and wait for its answer (``ungraceful: skip``: not on an ungraceful run)."""
    if not context.graceful and action.ungraceful == "skip":
        return Look(done=True, detail={"invoked": "skipped"})
    region = context.run.target_region
    name = action.functions[region]
    answer = context.target.functions.invoke(name, event(context, action), action.timeout_seconds)
    if answer.error is not None:
        raise ResourceRecoveryError(f"function {name} in {region} failed: {answer.error}")
    return Look(done=True, detail={"invoked": name})


def check(context: Context, action: CustomAction) -> Look:
    """Nothing to poll: ``start`` waited for the answer. A poll still pending (an earlier run's) invokes again."""
    return start(context, action)
