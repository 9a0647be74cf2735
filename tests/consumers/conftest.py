"""Fixtures for the consumer engine: short retry tiers, an in-process runner, a cuttable TCP proxy."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pika
import pytest

from bridge.amqp import connection_parameters, declare
from consumers.runner import Runner
from core.notification import ENTITIES
from core.settings import Settings
from core.topology import retry_queue, topology
from tests import support
from tests.consumers.helpers import RunningRunner

SHORT_TIERS = (1, 2)


@pytest.fixture
def short_broker(broker: str) -> str:
    """The test vhost with 1 s and 2 s retry tiers declared and empty too."""
    connection = pika.BlockingConnection(connection_parameters(broker, name="test-tiers"))
    try:
        channel = connection.channel()
        declare(channel, topology(ENTITIES, SHORT_TIERS))
        for seconds in SHORT_TIERS:
            channel.queue_purge(retry_queue(seconds))
    finally:
        connection.close()
    return broker


@pytest.fixture
def consumer_settings(make_settings: Callable[..., Settings], short_broker: str) -> Callable[..., Settings]:
    """Settings for a runner on the test vhost with 1,2 s tiers; keyword overrides win."""
    def build(**overrides: Any) -> Settings:
        base = {"AMQP_URL": short_broker, "RETRY_DELAYS": "1,2", "MAX_ATTEMPTS": "3",
                "CONSUMER_CONCURRENCY": "4"}
        return make_settings(**{**base, **{key.upper(): value for key, value in overrides.items()}})
    return build


@pytest.fixture
def start_runner() -> Iterator[Callable[..., RunningRunner]]:
    """Start ``Runner(settings, entities, handler, reporter, **options)`` in a thread; stopped at teardown."""
    started: list[RunningRunner] = []

    def start(settings: Settings, entities: list[str], handler: Any, reporter: Any = None,
              **options: Any) -> RunningRunner:
        options.setdefault("poll_interval", 0.05)
        runner = Runner(settings, entities, handler, *([reporter] if reporter else []), **options)
        running = RunningRunner(runner)
        running.thread.start()
        support.wait_for(lambda: runner.consuming.is_set() or not running.thread.is_alive(), 20,
                         message="the runner to consume")
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            with contextlib.suppress(Exception):
                running.stop()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the broker; ``cut()`` drops every open connection (the broker stays up)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._listener.settimeout(0.1)
        self._closed = False
        threading.Thread(target=self._accept_loop, name="test-proxy", daemon=True).start()

    def url_for(self, amqp_url: str) -> str:
        parts = urlsplit(amqp_url)
        netloc = parts.netloc.rsplit(":", 1)[0] + f":{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self.cut()


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    tcp_proxy = TcpProxy(5672)
    yield tcp_proxy
    tcp_proxy.close()


@pytest.fixture
def base_url() -> str:
    """A 127.0.0.1 base URL on a free port (nothing listens there unless a test starts a server)."""
    return f"http://127.0.0.1:{support.free_port()}"


@pytest.fixture
def wire(base_url: str) -> Iterator[list[str]]:
    """A real HTTP server on the base URL's port, recording each request line as it arrives."""
    lines: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            lines.append(self.requestline)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'"7"' if self.command == "PUT" else b'{"sku": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", urlsplit(base_url).port), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield lines
    server.shutdown()
    server.server_close()
