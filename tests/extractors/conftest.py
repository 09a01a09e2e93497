"""Real HTTP servers on 127.0.0.1 / 127.0.0.2 for the extractor tests (no mocks, no internet).

A test registers a handler per path on ``LocalServer``; a handler gets the request handler
object and writes the response itself, so it can misbehave in any way a real server can
(sleep, trickle, lie about lengths, send garbage). Every request is logged as a ``Hit`` with
server-side monotonic timestamps, which the politeness tests compare.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from core.settings import Settings, load_settings

Handler = Callable[["RequestHandler"], None]


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    started: float  # time.monotonic() when the request line was read
    ended: float | None = None  # when the handler returned


class RequestHandler(http.server.BaseHTTPRequestHandler):
    server: _Server  # type: ignore[assignment]

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        local = self.server.local
        hit = Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        with local.lock:
            local.hits.append(hit)
        handler = local.routes.get(self.path.split("?", 1)[0])
        try:
            if handler is None:
                self.reply(404, b"not found", "text/plain")
            else:
                handler(self)
        finally:
            hit.ended = time.monotonic()

    def reply(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stopping(self) -> bool:
        return self.server.local.stop.is_set()

    def pause(self, seconds: float) -> None:
        """Sleep, but wake up when the test ends so no thread outlives it for long."""
        self.server.local.stop.wait(seconds)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    local: LocalServer

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        pass  # clients aborting hostile responses (broken pipes) are the point of these tests


class LocalServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self._server = _Server((host, 0), RequestHandler)
        self._server.local = self
        self.host, self.port = self._server.server_address[:2]
        # A short poll interval: shutdown() waits up to one interval, paid by every test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler | None = None):
        if handler is not None:
            self.routes[path] = handler
            return handler

        def register(fn: Handler) -> Handler:
            self.routes[path] = fn
            return fn

        return register

    def static(
        self,
        path: str,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.routes[path] = lambda h: h.reply(status, body, content_type, headers)

    def hits_for(self, path: str) -> list[Hit]:
        with self.lock:
            return [hit for hit in self.hits if hit.path.split("?", 1)[0] == path]

    def close(self) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer("127.0.0.1")
    yield local
    local.close()


@pytest.fixture
def server2() -> Iterator[LocalServer]:
    """A second host (127.0.0.2 is loopback too on Linux): politeness is per host name."""
    local = LocalServer("127.0.0.2")
    yield local
    local.close()


@pytest.fixture
def refused_url() -> str:
    """A URL on a port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def fast_settings(**overrides: object) -> Settings:
    """Tiny timeouts and delays so hostile servers cost fractions of a second."""
    values: dict[str, object] = {
        "allow_private_networks": True,
        "connect_timeout": 1.0,
        "read_timeout": 1.0,
        "total_timeout": 3.0,
        "per_host_delay": 0.0,
        "max_retries": 2,
        "retry_backoff": 0.01,
        "max_retry_wait": 5.0,
        "max_response_bytes": 1024 * 1024,
        "max_redirects": 5,
        "feed_poll_interval": 900.0,
    }
    values.update(overrides)
    return load_settings(environ={}, **values)


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    """Factory: ``make_settings(max_retries=0)`` gives test settings with overrides."""
    return fast_settings
