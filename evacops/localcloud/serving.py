"""A local cloud served to other processes over HTTP on loopback (``evac approve --local`` answers a served drill's
approval from another terminal): moto's own threaded server, in front of this process's state."""

from __future__ import annotations

import json
import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contextlib import ExitStack
    from pathlib import Path

    from evacops.localcloud.clock import VirtualClock


def serve(clock: VirtualClock, stack: ExitStack, path: Path) -> str:
    """Serve on 127.0.0.1 until ``stack`` closes; write where to ``path`` (removed then too); return the endpoint."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    before = set(threading.enumerate())
    server.start()
    # its thread waits on a socket for other processes: outside the simulation (a request it serves runs inside)
    clock.ignore(set(threading.enumerate()) - before)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"endpoint_url": endpoint, "pid": os.getpid()}), encoding="utf-8")
    stack.callback(path.unlink, missing_ok=True)
    stack.callback(server.stop)
    return endpoint
