"""One round of a loop that polls many changes in one task (``poll_round``): the pending ones are checked side by
side, so a round takes about as long as its slowest check, within its function's timeout."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from evac.domain.fanout import MAX_WORKERS
from evac.domain.models import Poll
from evac.domain.polling import poll_round

if TYPE_CHECKING:
    from tests.fakes.clock import FrozenClock


def polls(clock: FrozenClock, pending: int) -> list[Poll]:
    """One poll already done, then ``pending`` polls due now."""
    now = clock.now()
    done = Poll(started_at=now, ref="done", done=True)
    return [done, *(Poll(started_at=now, ref=f"e{i}", check_at=now) for i in range(pending))]


def test_a_round_checks_the_pending_polls_side_by_side_in_their_order(frozen_clock: FrozenClock) -> None:
    # a check that goes on only once every pending one has begun: one after another, the first would wait for ever
    pending = MAX_WORKERS
    together = threading.Barrier(pending, timeout=5)

    def check(poll: Poll) -> Poll:
        together.wait()
        return poll.model_copy(update={"attempt": poll.attempt + 1})

    checked = poll_round(polls(frozen_clock, pending), "due", check)

    assert [p.ref for p in checked] == ["done", *(f"e{i}" for i in range(pending))]
    assert [p.attempt for p in checked] == [0] + [1] * pending  # the done poll is left as it was


def test_a_round_none_of_whose_polls_is_due_checks_nothing(frozen_clock: FrozenClock) -> None:
    later = [
        p.model_copy(update={"check_at": frozen_clock.now() + timedelta(seconds=5)}) for p in polls(frozen_clock, 3)
    ]

    def check(poll: Poll) -> Poll:
        raise AssertionError(f"{poll.ref} was checked before it was due")

    assert poll_round(later, "due", check) == later


def test_the_first_failing_check_in_order_fails_the_round(frozen_clock: FrozenClock) -> None:
    def check(poll: Poll) -> Poll:
        if poll.ref in ("e1", "e2"):
            raise RuntimeError(f"{poll.ref} failed")
        return poll

    with pytest.raises(RuntimeError, match="e1 failed"):
        poll_round(polls(frozen_clock, 3), "all", check)
