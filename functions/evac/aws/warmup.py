"""Warm the recovery path before it is needed: one asynchronous invoke of each runbook function, so Lambda runs its
INIT (a cold start) while nothing waits for it, and the run's own invocations find a warm execution environment.

A runbook function has sat idle for months when an incident comes; each cold start would sit on the critical path,
one after the other. The trigger warms them when it starts a confirmation watch (the sustain window, about a minute,
comes first) and the Plan step when a runbook starts (seconds before the next step needs its function).

``InvocationType="Event"`` queues the event and answers 202 at once; the function runs apart
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html). Best effort: a denied, throttled or
unanswered warm-up is logged and ignored, in one attempt (no retries), so it never fails nor delays its caller
beyond the call itself. Lambda may reclaim an idle environment (when is not documented:
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html), so a warm-up helps the run that follows
it, not one months later.

The warm-up event is ``WARM_EVENT``; every step handler answers it at once (``evac.handlers._step``), without
validating it as a step's input, calling AWS or emitting metrics.
"""

from __future__ import annotations

import json
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from evac.aws.clients import client
from evac.domain.fanout import each

# The runbook's ScaleEndpoints Map (state_machines/failover.asl.json) invokes ScaleEndpointFunction once per endpoint,
# up to its MaxConcurrency at once (an inline Map runs at most 40 iterations at once); each needs an execution
# environment of its own, so that function is warmed once for each endpoint the Map runs at once (``warm_ups``).
# Warm-ups sent together overlap (each INIT takes a moment), so Lambda starts an environment for each.
MAP_CONCURRENCY: Final = 40
WARM_KEY: Final = "evac_warm"
WARM_EVENT: Final = {WARM_KEY: True}  # the documented payload: `sam remote invoke PlanFunction --event '...'`
WARM_ANSWER: Final = {WARM_KEY: "warm"}
_PAYLOAD: Final = json.dumps(WARM_EVENT).encode()


def is_warm_up(event: Any) -> bool:
    """Whether ``event`` is a warm-up (``{"evac_warm": true}``), not a step's input.

    >>> is_warm_up({"evac_warm": True}), is_warm_up({"incident_id": "x"})
    (True, False)
    """
    return isinstance(event, dict) and event.get(WARM_KEY) is True


def warm_ups(functions: tuple[str, ...], per_endpoint: tuple[str, ...], endpoints: int) -> tuple[str, ...]:
    """What to warm: each of ``functions`` once, and each of ``per_endpoint`` (among them) as many times in all as
    the runbook's Map runs it at once for ``endpoints`` endpoints (``MAP_CONCURRENCY``).

    >>> warm_ups(("plan", "scale"), ("scale",), 3)
    ('plan', 'scale', 'scale', 'scale')
    """
    more = max(0, min(endpoints, MAP_CONCURRENCY) - 1)
    return functions + tuple(name for name in per_endpoint if name in functions for _ in range(more))


def warm_up(functions: tuple[str, ...], region: str) -> list[str]:
    """Send each of ``functions`` (names or ARNs in ``region``) one asynchronous warm-up invoke; return what was
    refused or not answered, one ``name: error`` each, for the caller to log (never raised: a warm-up is best effort).

    >>> warm_up((), "us-west-2")
    []
    """
    if not functions:
        return []
    lam = client("lambda", region, probe=True)  # one attempt: a throttled warm-up is not worth a backoff

    def send(name: str) -> str | None:
        try:
            lam.invoke(FunctionName=name, InvocationType="Event", Payload=_PAYLOAD)
        except (ClientError, BotoCoreError) as exc:  # best effort: the run goes on cold, as it would have
            return f"{name}: {exc}"
        return None

    return [missed for missed in each(send, functions) if missed]  # all at once: the caller waits for one call
