"""Call a port once per resource, several at once: reading fifty endpoints takes about as long as the slowest read,
not the sum of them. boto3 clients are thread-safe, and the adapters share one per service and region.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")
R = TypeVar("R")

# Enough to hide per-call latency, few enough to stay under the services' request rates (the ASL retries throttling).
MAX_WORKERS = 16


def each(fn: Callable[[T], R], items: Sequence[T], *, workers: int = MAX_WORKERS) -> list[R]:
    """``[fn(item) for item in items]``, up to ``workers`` calls at once, in order; the first exception propagates.

    >>> each(str.upper, ["a", "b"])
    ['A', 'B']
    """
    if len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
