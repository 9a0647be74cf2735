"""Fixtures for the consumer engine: short retry tiers, an in-process runner, a TCP proxy to the broker."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pika
import pytest
from sqlalchemy.engine import Engine

from bridge.amqp import connection_parameters, declare
from consumers.runner import Runner
from core.db import ensure_schema, make_engine, sync_state
from core.notification import ENTITIES
from core.settings import Settings
from core.topology import retry_queue, topology
from tests import support
from tests.consumers.helpers import RunningRunner
from tests.tcp_proxy import TcpProxy

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


@pytest.fixture
def proxy(broker_url: str) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the broker; ``proxy.url_for(url)`` points a client at it, ``drop()`` cuts it off."""
    with TcpProxy(("127.0.0.1", urlsplit(broker_url).port or 5672)) as tcp_proxy:
        yield tcp_proxy


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_engines(request) -> Iterator[list[Engine]]:
    """Two engines on one empty database: two consumer processes, as far as the database can tell."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "module_postgres_url")
    pair = [make_engine(url), make_engine(url)]
    ensure_schema(pair[0])
    with pair[0].begin() as connection:
        connection.execute(sync_state.delete())
    yield pair
    for engine in pair:
        engine.dispose()
