"""What every kind's step shares: the run's context (target and source adapters, graceful or not) and a look's
result. A kind's ``start`` and ``check`` return a ``Look``, or raise ``ResourceRecoveryError`` when the resource
cannot be recovered (missing, refused, a deployment that failed)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evac.errors import EvacError

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.kinds.ports import Region
    from evac.domain.models import Run
    from evac.domain.plan_resources import SourceAction


@dataclass(frozen=True)
class Context:
    run: Run
    target: Region
    source: Region

    @property
    def graceful(self) -> bool:
        """A switchover: the source answers and the run may act there. A failover is ungraceful: it skips what needs
        the failing region unless a resource asks to try it (and then never waits on it)."""
        return self.run.strategy == "switchover"


@dataclass(frozen=True)
class Look:
    """``done``: the resource is fully recovered; ``share``: a serving kind's share (percent) of its active count
    that serves in the target (None for kinds that serve no traffic)."""

    done: bool
    detail: dict[str, Any] = field(default_factory=dict)
    share: int | None = None


FULL_SHARE = 100


def share(serving: int, active: int) -> int:
    """The share (percent, rounded down, at most 100) of its traffic ``active`` instances take that ``serving`` can.

    >>> share(1, 4), share(2, 6), share(5, 4)
    (25, 33, 100)
    """
    return min(FULL_SHARE, math.floor(FULL_SHARE * serving / active))


def on_source(context: Context, graceful: SourceAction, ungraceful: SourceAction, act: Callable[[], None]) -> str:
    """Act on the source as the resource says for this run: ``disabled``, ``skipped``, or, on an ungraceful run whose
    source does not take it, ``not disabled: why`` (a graceful run's source answers: its refusal is an error).

    >>> from types import SimpleNamespace
    >>> on_source(SimpleNamespace(graceful=False), "disable", "skip", lambda: None)
    'skipped'
    """
    action = graceful if context.graceful else ungraceful
    if action == "skip":
        return "skipped"
    if context.graceful:
        act()
        return "disabled"
    try:
        act()
    except EvacError as exc:  # the failing region: tried once, never waited on
        return f"not disabled: {exc}"
    return "disabled"
