"""Every endpoint's poll in one step a round: the runbook's ``AwaitEndpoints`` loop and the follow-capacity ramp's
``CheckCapacity`` look at each pending endpoint (``check_endpoint``: its capacity fallback included) in one task.

A Map iteration per endpoint per round costs about a dozen history events each; at 100 endpoints and a slow
scale-up that nears Step Functions' limit of 25,000 events on one execution's history, past which the execution
fails whatever its ``Catch`` (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). One task a
round costs a handful, whatever the number of endpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from evac.domain.models import EndpointPolls
from evac.domain.polling import poll_round, round_summary
from evac.domain.runbook import check_endpoint

if TYPE_CHECKING:
    from evac.domain.models import Poll, Run
    from evac.domain.plan import RecoveryPlan
    from evac.domain.ports import CapacityFallback, SavedScaling, ScalingRegistry


def check_endpoints(
    run: Run,
    plan: RecoveryPlan,
    polls: list[Poll],
    *,
    look: Literal["due", "all"],
    endpoints: CapacityFallback,
    autoscaling: ScalingRegistry,
    saved: SavedScaling,
) -> EndpointPolls:
    """Check every pending poll (``look="due"``: once one of them is due; ``"all"``: now), and say whether every
    endpoint serves at capacity and when the first still pending is due. Checking them together keeps their polls in
    step: one round for all, not one wake-up per endpoint whose check falls due a second after another's."""
    checked = poll_round(
        polls,
        look,
        lambda poll: check_endpoint(run, plan, poll, endpoints=endpoints, autoscaling=autoscaling, saved=saved),
    )
    return EndpointPolls(**round_summary(checked))
