"""``os.environ`` per thread: each Lambda invocation sees its own function's environment while others run beside it in
the same process (``runtime.LambdaRuntime``)."""

from __future__ import annotations

import os
import threading
from collections.abc import MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


class ThreadEnviron(MutableMapping[str, str]):
    """``os.environ`` as each thread sees it: an invocation's own variables over the process's.

    In Lambda every function has its own process environment. Here functions run in threads of one process, so
    setting and restoring ``os.environ`` around an invocation would change it under every other thread, and a thread
    iterating it at that moment (botocore does, for proxies, whenever a client is created) would find a key gone.
    Instead each invocation's variables live in its thread only; other threads see the process's environment.
    """

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process
        self._local = threading.local()

    def own(self) -> dict[str, str] | None:
        """The variables this thread sees over the process's, if any."""
        return getattr(self._local, "variables", None)

    @contextmanager
    def using(self, variables: dict[str, str]) -> Iterator[None]:
        """This thread sees ``variables`` over the process's environment until the block ends."""
        before = self.own()
        self._local.variables = dict(variables)
        try:
            yield
        finally:
            self._local.variables = before

    def __getitem__(self, key: str) -> str:
        own = self.own()
        return own[key] if own is not None and key in own else self.process[key]

    def __setitem__(self, key: str, value: str) -> None:
        own = self.own()
        if own is not None:
            own[key] = value
        else:
            self.process[key] = value

    def clear(self) -> None:
        """Forget this thread's own variables if it has any, else the process's. ``patch.dict(os.environ, ...)`` in an
        invocation (the least-privilege check expanding the template) clears, then restores what this thread saw:
        the process's environment, which every other thread sees, must come through untouched."""
        own = self.own()
        if own is not None:
            own.clear()
        else:
            self.process.clear()

    def __delitem__(self, key: str) -> None:
        own = self.own()
        if own is not None and key in own:
            del own[key]
        else:
            del self.process[key]

    def __iter__(self) -> Iterator[str]:
        keys = dict.fromkeys(list(self.process))
        keys.update(dict.fromkeys(self.own() or {}))
        return iter(list(keys))

    def __len__(self) -> int:
        return len(set(self.process) | set(self.own() or {}))

    def copy(self) -> dict[str, str]:
        return dict(self.items())


@contextmanager
def environment(variables: dict[str, str]) -> Iterator[None]:
    """A function's environment for the length of one invocation (or one import, when its container starts)."""
    environ = os.environ
    if isinstance(environ, ThreadEnviron):
        with environ.using(variables):
            yield
        return
    saved = {key: environ.get(key) for key in variables}
    environ.update(variables)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
