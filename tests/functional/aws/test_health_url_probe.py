"""The outside-in health-URL probe against a real HTTP server on loopback: what answers, refuses, or is silent."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING

import pytest

from evac.aws.probes import health_url

if TYPE_CHECKING:
    from collections.abc import Iterator


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = int(self.path.rsplit("/", 1)[-1])
        if status == 0:  # never answers within the probe's timeout
            threading.Event().wait(2)
            return
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        """Quiet: the test reads outcomes, not access logs."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "ok"), (204, "ok"), (503, "failed"), (500, "failed"), (403, "unknown"), (429, "unknown")],
)
def test_a_health_url_answer_is_judged_by_its_status(server: str, status: int, outcome: str) -> None:
    # 5xx: the region is failing; 4xx: it answered with a refusal, which is not evidence either way (fail closed)
    assert health_url(f"{server}/health/{status}", timeout_seconds=1).outcome == outcome


def test_a_health_url_that_does_not_answer_in_time_failed(server: str) -> None:
    found = health_url(f"{server}/health/0", timeout_seconds=0.3)
    assert (found.outcome, found.detail.startswith("no answer")) == ("failed", True)


def test_a_health_url_whose_port_refuses_connections_failed() -> None:
    with socket.socket() as closed:  # a port nothing listens on once this socket closes
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert health_url(f"http://127.0.0.1:{port}/health", timeout_seconds=1).outcome == "failed"
