"""How the virtual clock reads the threads it does not schedule itself: what a thread is blocked on (a frame at a
blocking acquire), which threads are not the simulation's, and whether one is being started. Only each thread's top
frame is read: CPython 3.11 can crash on another thread's incomplete frame further down (python/cpython#99110)."""

from __future__ import annotations

import concurrent.futures.thread
import gc
import inspect
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType


def _line(function: Callable[..., Any], text: str) -> int:
    """The last line of ``function`` whose code is ``text`` (where a blocking acquire happens)."""
    lines, start = inspect.getsourcelines(function)
    found = [start + i for i, line in enumerate(lines) if line.strip().startswith(text)]
    return found[-1] if found else -1


_CONDITION_WAIT = threading.Condition.wait.__code__
_CONDITION_BLOCKS = _line(threading.Condition.wait, "waiter.acquire()")
_JOIN_WAIT = threading.Thread._wait_for_tstate_lock.__code__  # type: ignore[attr-defined]
_JOIN_BLOCKS = _line(threading.Thread._wait_for_tstate_lock, "if lock.acquire(block, timeout)")  # type: ignore[attr-defined]
_POOL_WORKER = concurrent.futures.thread._worker.__code__
_POOL_TAKES = _line(concurrent.futures.thread._worker, "work_item = work_queue.get(block=True)")


def blocked(frame: FrameType) -> object | None:
    """What the thread at ``frame`` is blocked on without a timeout (a token that changes if it wakes), or None."""
    if frame.f_code is _CONDITION_WAIT and frame.f_lineno == _CONDITION_BLOCKS:
        waiter = frame.f_locals.get("waiter")
        if waiter is not None and frame.f_locals.get("timeout") is None and waiter.locked():
            return waiter
    if frame.f_code is _JOIN_WAIT and frame.f_lineno == _JOIN_BLOCKS:
        local = frame.f_locals
        lock = local.get("lock")
        if lock is not None and local.get("block") is True and local.get("timeout") == -1 and lock.locked():
            return lock
    if frame.f_code is _POOL_WORKER and frame.f_lineno == _POOL_TAKES:
        # A ThreadPoolExecutor worker with nothing to take blocks inside its queue's C ``get`` (no Python frame of its
        # own): idle while the queue is empty, as only another simulated thread can give it work.
        queue = frame.f_locals.get("work_queue")
        if queue is not None and queue.empty():
            return queue
    return None


def foreign(thread: threading.Thread | None) -> bool:
    """Not ``threading``'s: pytest-xdist's execnet reads in ``_thread`` threads (no Thread, or a dummy one). Asked
    only while no thread is being started (``starting``), so a thread without a Thread is not one in its bootstrap."""
    return thread is None or isinstance(thread, threading._DummyThread)


def current_frames() -> dict[int, FrameType]:
    """``sys._current_frames()`` with the garbage collector off: on CPython 3.11 before 3.11.9, a collection inside it
    (whose callbacks run Python and may hand the GIL over) deadlocks against a thread that exits, each holding the
    lock the other waits for (python/cpython#106883; the fix, #117332, turns the collector off there too)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return sys._current_frames()
    finally:
        if enabled:
            gc.enable()


def starting() -> bool:
    """Whether a thread is between ``Thread.start`` and running: it has no frame to look at yet, and its starter waits
    for it. ``threading`` keeps such threads in ``_limbo``. (Walking another thread's ``f_back`` to find
    ``Thread.start`` instead can crash CPython 3.11 on an incomplete frame: python/cpython#99110.)"""
    return bool(threading._limbo)  # type: ignore[attr-defined]
