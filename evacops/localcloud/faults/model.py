"""What a fault is: its kind (transient or permanent) and which calls it makes fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, get_args

if TYPE_CHECKING:
    from evacops.localcloud.faults.calls import Call


FaultKind = Literal["throttling", "5xx", "503", "access-denied", "timeout", "connection", "refused"]
FAULT_KINDS: Final = get_args(FaultKind)
TRANSIENT: Final = frozenset({"throttling", "5xx", "503", "timeout", "connection"})
PERMANENT: Final = frozenset({"access-denied", "refused"})


@dataclass(frozen=True)
class Fault:
    """Make matching calls fail: the ``first``-th matching call and the ``calls - 1`` after it (all, if None).

    Unset filters match anything. ``caller`` is a function's logical id (``CheckDatabaseFunction``) or the state
    machine's (``FailoverRunbook``); ``target`` matches the call's main resource (for Lambda ``Invoke``, the
    function's logical id), so one Lambda task can be faulted and not the others.
    """

    kind: FaultKind
    service: str | None = None
    operation: str | None = None
    region: str | None = None
    caller: str | None = None
    target: str | None = None
    first: int = 1
    calls: int | None = 1
    caller_region: str | None = None  # the region the caller runs in (a probe from one vantage point, not another)
    share: float | None = None  # fail this share of the matching calls, spread evenly (a gray failure), not a window
    code: str | None = None  # for "refused": the error code, HTTP status and message the service answers with
    status: int = 400
    message: str = ""
    after_effect: bool = False  # the call takes effect (the service makes the change) and its answer is lost

    def matches(self, call: Call) -> bool:
        wanted = (self.service, self.operation, self.region, self.caller, self.target, self.caller_region)
        found = (call.service, call.operation, call.region, call.caller, call.target, call.caller_region)
        return all(w is None or w == f for w, f in zip(wanted, found, strict=True))

    def due(self, ordinal: int) -> bool:
        """Whether the ``ordinal``-th matching call (from 1) fails; with ``share``, every call whose ordinal crosses
        the next multiple of 1/share does (share 0.25: the 4th, 8th...), deterministic for a seed-free drill."""
        if self.share is not None:
            return int(ordinal * self.share) > int((ordinal - 1) * self.share)
        return ordinal >= self.first and (self.calls is None or ordinal < self.first + self.calls)

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT
