"""Poll loops: each check step returns when to look next, so the ASL's Wait sleeps until a change is expected to be
done, then polls at short intervals: little time lost after a dependency finishes, few state transitions."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from evac import clock

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from evac.domain.models import Poll

# Once a change is overdue, poll this often (seconds): little time lost after it completes, few state transitions.
# "capacity": how often a traffic ramp looks for instances that came into service, once the first is expected.
# "resources": the plan's resources by kind (ECS tasks starting, a consumer enabling), polled like the endpoints.
POLL_FLOOR = {"database": 5, "inference": 5, "dns": 2, "capacity": 10, "resources": 5}
# A scale-up that is late is polled less and less often: again after a quarter of how late it already is, between
# the floor and this ceiling (seconds). A 3x slower scale-up then costs tens of polls, not hundreds (an execution's
# history is limited to 25,000 events: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html),
# and is seen at most a quarter of its lateness, and POLL_CEILING seconds, after it serves.
POLL_CEILING = {"inference": 30, "resources": 30}


def next_wait(poll: Poll, kind: str, expected_seconds: int, *, since: datetime | None = None) -> int:
    """Sleep until the change started at ``since`` (default: the poll's start) is expected to be done, then poll
    every ``POLL_FLOOR[kind]`` seconds, or, for a kind with a ``POLL_CEILING``, after a quarter of its lateness.

    >>> from datetime import timedelta
    >>> from evac.domain.models import Poll
    >>> next_wait(Poll(started_at=clock.now() - timedelta(seconds=20)), "inference", 360)
    340
    >>> next_wait(Poll(started_at=clock.now() - timedelta(seconds=419)), "inference", 360)
    15
    """
    remaining = expected_seconds - (clock.now() - (since or poll.started_at)).total_seconds()
    if remaining > 0 or kind not in POLL_CEILING:
        return max(POLL_FLOOR[kind], math.ceil(remaining))
    return min(POLL_CEILING[kind], max(POLL_FLOOR[kind], math.ceil(-remaining / 4)))


def polled(
    poll: Poll, kind: str, expected_seconds: int, *, done: bool, since: datetime | None = None, **detail: object
) -> Poll:
    """The next state of a poll loop: one more attempt, the next wait, and the moment it was seen done."""
    now = clock.now()
    wait = next_wait(poll, kind, expected_seconds, since=since)
    return poll.model_copy(
        update={
            "attempt": poll.attempt + 1,
            "done": done,
            "ended_at": now if done else None,
            "wait_seconds": wait,
            "check_at": whole_second(now, wait),
            "detail": poll.detail | detail,
        }
    )


def whole_second(start: datetime, seconds: float) -> datetime:
    """``start + seconds``, rounded up to a whole second: a Wait's timestamp has no fraction to wake early on."""
    at = start + timedelta(seconds=seconds)
    return at if at.microsecond == 0 else at.replace(microsecond=0) + timedelta(seconds=1)


def poll_round(polls: list[Poll], look: Literal["due", "all"], check: Callable[[Poll], Poll]) -> list[Poll]:
    """One round of a loop that polls many changes in one task: ``check`` every pending poll (``look="due"``: once
    one of them is due; ``"all"``: now). Checking them together keeps their polls in step: one round for all, not
    one wake-up per change whose check falls due a second after another's."""
    now = clock.now()
    waiting = [poll for poll in polls if not poll.done]
    due = look == "all" or any(poll.check_at is None or poll.check_at <= now for poll in waiting)
    return [check(poll) if due and not poll.done else poll for poll in polls]


def round_summary(polls: list[Poll]) -> dict[str, Any]:
    """What the ASL's loop reads after a round: the polls, whether all are done, the most polls one still pending
    has had (the loop's bound), and when the first still pending is due (its Wait's timestamp)."""
    pending = [poll for poll in polls if not poll.done]
    return {
        "polls": polls,
        "done": not pending,
        "attempt": max((poll.attempt for poll in pending), default=0),
        "check_at": min((poll.check_at for poll in pending if poll.check_at), default=None),
    }
