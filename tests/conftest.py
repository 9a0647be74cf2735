"""Shared fixtures: a RabbitMQ vhost per test run, a clean broker per test, settings, databases."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pika
import pytest
import sqlalchemy as sa

from broker.amqp import connection_parameters
from core.settings import Settings
from tests import support
from tests.samples import SAMPLES_DIR

DEFAULT_RETRY_DELAYS = (5, 30, 120, 600, 1800)
POSTGRES_ADMIN_URL = support.POSTGRES_ADMIN_URL


@pytest.fixture(scope="session")
def broker_url() -> Iterator[str]:
    """AMQP URL of a vhost of this test run's own, created at the start and deleted at the end."""
    with support.temporary_vhost() as url:
        yield url


@pytest.fixture
def broker(broker_url: str) -> Iterator[str]:
    """The run's vhost with the full topology declared and every queue empty; yields the AMQP URL."""
    support.empty_topology(broker_url, DEFAULT_RETRY_DELAYS)
    yield broker_url


@pytest.fixture
def amqp_channel(broker: str) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    """A blocking channel on the test vhost, for inspecting queues."""
    connection = pika.BlockingConnection(connection_parameters(broker, name="test-inspector"))
    try:
        yield connection.channel()
    finally:
        with contextlib.suppress(Exception):
            connection.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bridge.sqlite3'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database on the local server, dropped afterwards."""
    with _postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """One throw-away PostgreSQL database per test module (creating one per test costs ~0.7 s)."""
    with _postgres_database() as url:
        yield url


@contextlib.contextmanager
def _postgres_database() -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(support.temporary_postgres_database(POSTGRES_ADMIN_URL))
        except sa.exc.OperationalError as exc:
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is needed (make test starts it): {exc}")
        yield url


@pytest.fixture
def make_settings(sqlite_url: str) -> Callable[..., Settings]:
    """Build Settings from overrides only (never the environment); the database is a fresh SQLite file."""
    def build(**overrides: Any) -> Settings:
        base: dict[str, Any] = {"DATABASE_URL": sqlite_url}
        base.update({key.upper(): value for key, value in overrides.items()})
        return Settings.from_env({}, base)
    return build


@pytest.fixture
def samples_dir() -> Path:
    """The shared real Magento payloads; tests using it are skipped when the folder is absent."""
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"{SAMPLES_DIR} is absent")
    return SAMPLES_DIR


@pytest.fixture(scope="module", params=[17, 18], ids=["odoo17", "odoo18"])
def money_world(request: pytest.FixtureRequest, broker_url: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Issue #9's end-to-end world, started once per module and Odoo version: the Magento sandbox with its
    money scenario records, the real pipeline on the broker, the Odoo sandbox; every case's records pushed."""
    from tests.money_e2e import running_world  # noqa: PLC0415 (only the money end-to-end tests need it)

    with running_world(broker_url, tmp_path_factory.mktemp("money"), request.param) as world:
        yield world


@pytest.fixture
def money_odoo(money_world: Any) -> Any:
    """Reads the money world's Odoo as an accountant does (documents, lines with SKUs and tax rates)."""
    from tests.money_e2e import OdooReader  # noqa: PLC0415

    return OdooReader(money_world)


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
