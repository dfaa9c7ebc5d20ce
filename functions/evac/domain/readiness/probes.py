"""How readiness reads: the ports of one region, a probe's finding, and the rule that a failed read is never a pass.

Reads of the source region go through ``Source``: once that region fails to answer (it may be the region that
failed), later source reads are ``unknown`` at once, so an outage costs one bounded timeout (principle 1).

Each assessment reads each thing once (``sharing_reads``) and its check families side by side
(``in_turn_then_together``): about as long as the longest family, not the sum of some fifty reads.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Generic, TypeVar

from evac.domain.models import ReadinessCheck
from evac.domain.readiness.catalogue import CATALOGUE
from evac.errors import AwsCallError, AwsTransientError, EvacError, RegionUnavailableError, ResourceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from evac.domain.models import CheckStatus, Severity
    from evac.domain.ports import (
        BucketReplicationMetrics,
        Buckets,
        ClusterStatuses,
        EndpointSpec,
        EndpointSpecs,
        Images,
        InstanceQuotas,
        LagReadings,
        ModelRegistry,
        ReplicatedTables,
        ScalableTargets,
    )
    from evac.domain.readiness.ml_state import TableLatency

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class RegionReads:
    """Everything readiness reads in one region, as the domain's ports."""

    region: str
    database: ClusterStatuses
    lag: LagReadings
    endpoints: EndpointSpecs
    scaling: ScalableTargets
    registry: ModelRegistry
    quotas: InstanceQuotas
    buckets: Buckets
    bucket_metrics: BucketReplicationMetrics
    images: Images
    tables: ReplicatedTables
    table_metrics: TableLatency | None = None  # feature tables' replication latency, read in the writing region


@dataclass(frozen=True)
class Finding:
    status: CheckStatus
    evidence: str
    severity: Severity | None = None  # overrides the check's severity (e.g. an unknown quota is only a warning)


class UnreadableError(EvacError):
    """What readiness needed from the source region is not there to read (it did not answer, or is missing)."""


class Source:
    """Reads of the source region, which may be the region that failed: the first time it does not answer (a
    timeout, a 5xx), every later read is unknown without another call. ``answered`` is set once a first read has
    ended, whatever its outcome: from then on the checks may read it side by side (``in_turn_then_together``)."""

    def __init__(self, reads: RegionReads) -> None:
        self.reads = reads
        self.down: str | None = None
        self.answered = False
        self._watchers: list[Callable[[], None]] = []

    def __call__(self, read: Callable[[], T]) -> T:
        if self.down is not None:
            raise UnreadableError(f"{self.reads.region} did not answer an earlier read ({self.down})")
        try:
            return read()
        except (RegionUnavailableError, AwsTransientError) as exc:
            self.down = str(exc)
            raise
        finally:
            if not self.answered:
                self.answered = True
                for watcher in self._watchers:
                    watcher()

    def watch(self, watcher: Callable[[], None]) -> None:
        """Call ``watcher`` once the first read has ended."""
        self._watchers.append(watcher)


class Once(Generic[T]):
    """A read done at most once, when a check first needs it; ``value`` is None until it succeeded."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self.value: T | None = None

    def __call__(self) -> T:
        if self.value is None:
            self.value = self._read()
        return self.value


class Ahead(Generic[T]):
    """A read started at once on ``pool``, beside the caller's own: the first ask takes its answer (or its error), a
    later one reads again (through ``sharing_reads``, what the first read kept; through ``Source``, what it learnt)."""

    def __init__(self, read: Callable[[], T], pool: Executor) -> None:
        self._read = read
        self._started: Future[T] | None = pool.submit(read)

    def __call__(self) -> T:
        started, self._started = self._started, None
        return started.result() if started is not None else self._read()


def primary_spec(source: Source, endpoint: str) -> EndpointSpec:
    """The source region's ``endpoint``; missing there is unknown (nothing to compare with), not a target failure."""
    try:
        return source(lambda: source.reads.endpoints.spec(endpoint))
    except ResourceNotFoundError as exc:
        raise UnreadableError(f"the primary's {exc}") from exc


def sharing_reads(reads: RegionReads) -> RegionReads:
    """``reads`` reading each thing once per assessment, however many checks ask (and however many at once): the
    endpoint, bucket and quota checks all look at every endpoint, the registry and artifact checks and the ML state's
    lag read the same packages and objects, endpoints often serve the same image. Each read is a tenth of a second
    of AWS on the runbook's path (with fifty endpoints, reading them again for each family would outlast the
    function's timeout)."""
    shared = {name: _ReadOnce(getattr(reads, name)) for name in _PORTS if getattr(reads, name) is not None}
    return replace(reads, **shared)  # type: ignore[arg-type]  # each port answers as before, once per question


# Every port of a region's reads (all but its name): a port added to ``RegionReads`` is shared too.
_PORTS = tuple(f.name for f in fields(RegionReads) if f.name != "region")


class _ReadOnce:
    """A port whose every method answers each question (method and arguments) once: later askers get the same answer
    or the same ``EvacError``; one asking while the read is under way waits for it rather than reading again."""

    def __init__(self, port: object) -> None:
        self._port = port
        self._answers: dict[tuple[object, ...], object] = {}
        self._pending: dict[tuple[object, ...], threading.Event] = {}
        self._lock = threading.Lock()

    def __getattr__(self, method: str) -> Callable[..., object]:
        read = getattr(self._port, method)

        def once(*args: object, **kwargs: object) -> object:
            key = _key(method, args, kwargs)
            if key is None:  # a question that cannot be told apart from another: asked every time
                return read(*args, **kwargs)
            return self._answer(key, lambda: read(*args, **kwargs))

        return once

    def _answer(self, key: tuple[object, ...], read: Callable[[], object]) -> object:
        while True:
            with self._lock:
                if key in self._answers:
                    return _given(self._answers[key])
                pending = self._pending.get(key)
                if pending is None:
                    self._pending[key] = threading.Event()
                    break
            pending.wait()  # another thread is reading it: its answer is ours
        try:
            answer: object = read()
        except EvacError as exc:
            answer = exc
        except BaseException:
            with self._lock:  # no answer to keep: the next asker reads again
                self._pending.pop(key).set()
            raise
        with self._lock:
            self._answers[key] = answer
            self._pending.pop(key).set()
        return _given(answer)


def _given(answer: object) -> object:
    if isinstance(answer, EvacError):
        raise answer
    return answer


def _key(method: str, args: tuple[object, ...], kwargs: dict[str, object]) -> tuple[object, ...] | None:
    """``method`` and its arguments as a dictionary key (sets as frozensets); None if one cannot be one."""

    def frozen(value: object) -> object:
        return frozenset(value) if isinstance(value, set) else value

    key = (method, *map(frozen, args), *((name, frozen(value)) for name, value in sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def check(
    name: str, severity: Severity, resource: str, remediation: str, probe: Callable[[], Finding]
) -> ReadinessCheck:
    """Run one probe: a missing resource is a failed check naming it; anything unreadable is unknown.

    >>> check("s3.versioning", "warning", "b", "turn it on", lambda: Finding("pass", "Enabled")).status
    'pass'
    """
    try:
        found = probe()
    except ResourceNotFoundError as exc:
        found = Finding("fail", str(exc))
    except AwsCallError as exc:
        # A denied read fails its check (fail closed): an IAM regression must not switch off the guard it feeds.
        found = Finding(
            "fail" if exc.denied else "unknown", f"{'refused' if exc.denied else 'could not be read'}: {exc}"
        )
    except EvacError as exc:
        found = Finding("unknown", f"could not be read: {exc}")
    return ReadinessCheck(
        name=name,
        status=found.status,
        severity=found.severity or severity,
        resource=resource,
        evidence=found.evidence,
        remediation=remediation if found.status != "pass" else "",
    )


def catalogued(name: str, resource: str, probe: Callable[[], Finding], **facts: object) -> ReadinessCheck:
    """Run the catalogue's check ``name`` on ``resource``: its severity, and its remediation filled with ``facts``.

    >>> catalogued("s3.versioning", "b", lambda: Finding("fail", "Suspended"), replica="b").remediation
    'Enable versioning on b: S3 Replication needs it on both buckets.'
    """
    entry = CATALOGUE[name]
    return check(name, entry.severity, resource, entry.remediation.format(**facts), probe)


def in_turn_then_together(
    families: Sequence[Callable[[], R]], source: Source, *, apart: Sequence[Callable[[], R]] = ()
) -> list[R]:
    """Each family's result, in order (``families``, then ``apart``): the families that read the source region one
    at a time until it has answered a first read (or failed to), then all the others at once; those ``apart`` from
    the source from the start. Read side by side, readiness takes about as long as its longest family, not the sum
    of them; reading the source in turn first keeps an outage to one bounded timeout, seen by the same check as when
    the families ran one after the other. The first error, in order, propagates."""
    changed = threading.Condition()
    finished: set[int] = set()

    def run(index: int) -> R:
        try:
            return families[index]()
        finally:
            with changed:
                finished.add(index)
                changed.notify_all()

    def answered() -> None:
        with changed:
            changed.notify_all()

    source.watch(answered)
    with ThreadPoolExecutor(max_workers=len(families) + len(apart) or 1) as pool:
        others = [pool.submit(family) for family in apart]
        futures = [pool.submit(run, 0)] if families else []
        while len(futures) < len(families) and not source.answered:
            with changed:
                changed.wait_for(lambda: len(futures) - 1 in finished or source.answered)
            if not source.answered:
                futures.append(pool.submit(run, len(futures)))
        futures += [pool.submit(run, index) for index in range(len(futures), len(families))]
        return [future.result() for future in [*futures, *others]]
