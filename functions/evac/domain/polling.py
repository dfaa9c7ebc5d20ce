"""Poll loops: each check step returns when to look next, so the ASL's Wait sleeps through most of a change and looks
more often as it may finish: little time lost after a dependency finishes, whether or not it took as long as the plan
expects, and few state transitions."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from evac import clock
from evac.domain.fanout import each

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from evac.domain.models import Poll

# The shortest wait between two looks at a change (seconds): few state transitions where a look would see little new.
# "capacity": how often a traffic ramp looks for instances that came into service, once the first is expected.
# "resources": the plan's resources by kind (ECS tasks starting, a consumer enabling), polled like the endpoints.
POLL_FLOOR = {"database": 5, "inference": 5, "dns": 2, "capacity": 10, "resources": 5}
# The longest (seconds): a scale-up that is very late is still seen within half a minute of serving, and a 3x slower
# one costs tens of polls, not hundreds (an execution's history is limited to 25,000 events:
# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
POLL_CEILING = {"inference": 30, "resources": 30}
# A change is first looked at when this share of its expected time has passed, ...
FIRST_LOOK = 0.5
# ... then again after this share of the time it has taken so far, and at the expected moment itself. Whether AWS is
# faster or slower than the plan expects, a change is seen within 2 % of its own duration of being done (a plan whose
# expectations are off by half loses seconds, not the difference); a well calibrated plan loses nothing. A 3x slower
# scale-up (1,080 s for 360 expected) costs about 60 looks, each one task a round for every endpoint together.
LOOK_AGAIN = 0.02


def next_wait(poll: Poll, kind: str, expected_seconds: int, *, since: datetime | None = None) -> int:
    """How long to wait before looking again at the change started at ``since`` (default: the poll's start): until
    ``FIRST_LOOK`` of its expected time, then ``LOOK_AGAIN`` of the time it has taken, never past the expected moment
    before it, within ``POLL_FLOOR`` and ``POLL_CEILING``.

    >>> from datetime import timedelta
    >>> from evac.domain.models import Poll
    >>> next_wait(Poll(started_at=clock.now() - timedelta(seconds=20)), "inference", 360)
    160
    >>> next_wait(Poll(started_at=clock.now() - timedelta(seconds=300)), "inference", 360)
    6
    >>> next_wait(Poll(started_at=clock.now() - timedelta(seconds=1080)), "inference", 360)
    22
    >>> next_wait(Poll(started_at=clock.now() - timedelta(seconds=2000)), "inference", 360)
    30
    """
    elapsed = (clock.now() - (since or poll.started_at)).total_seconds()
    first = FIRST_LOOK * expected_seconds
    if elapsed < first:
        return max(POLL_FLOOR[kind], _whole(first - elapsed))
    wait = LOOK_AGAIN * elapsed
    if elapsed < expected_seconds:
        wait = min(wait, expected_seconds - elapsed)
    wait = max(POLL_FLOOR[kind], _whole(wait))
    return min(POLL_CEILING[kind], wait) if kind in POLL_CEILING else wait


def first_wait(kind: str, expected_seconds: int) -> int:
    """How long a step that just started a change waits before its first look (``next_wait`` at the start)."""
    return max(POLL_FLOOR[kind], _whole(FIRST_LOOK * expected_seconds))


def _whole(seconds: float) -> int:
    """Whole seconds, rounded up (a Wait takes whole seconds), ignoring the microseconds a call itself took."""
    return math.ceil(round(seconds, 3))


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
    one wake-up per change whose check falls due a second after another's. The pending ones are checked side by side
    (``fanout.each``): a round takes about as long as its slowest check, within its function's timeout (one after
    another, a round of 100 endpoints falling back to another instance type outlasted CheckEndpointFunction's 30 s,
    and the run stopped for completion by hand)."""
    now = clock.now()
    waiting = [poll for poll in polls if not poll.done]
    if look == "due" and not any(poll.check_at is None or poll.check_at <= now for poll in waiting):
        return polls
    checked = iter(each(check, waiting))
    return [poll if poll.done else next(checked) for poll in polls]


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
