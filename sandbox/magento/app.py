"""A faithful stand-in for Magento 2.4's REST API (``/rest/V1``, ``/rest/all/V1``, ``/rest/<store>/V1``).

``create_app(token, seed)`` builds the Flask app; ``serve(host, port, token, seed)`` runs it threaded
(``bridgectl sandbox magento``); ``run_in_thread(app)`` serves it from a background thread for tests.
The admin API under ``/__sandbox`` injects faults, changes records and drives the change feed; see
docs/sandbox-magento.md.
"""

from __future__ import annotations

import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.serving import BaseWSGIServer

from sandbox.magento import (
    admin_faults,  # noqa: F401  (registers its routes on the blueprint)
    admin_inventory,  # noqa: F401  (registers its routes on the blueprint)
    admin_money,  # noqa: F401  (registers its routes on the blueprint)
)
from sandbox.magento.admin import admin
from sandbox.magento.auth import OAuthKeys
from sandbox.magento.faults import Faults
from sandbox.magento.feed import Feed
from sandbox.magento.rest import Sandbox
from sandbox.magento.seeding import load
from sandbox.magento.store import SandboxClock, Store
from sandbox.serving import serve_until_interrupted, threaded_server

log = logging.getLogger("sandbox.magento.app")
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


@dataclasses.dataclass(frozen=True)
class Options:
    """Keyword options of ``create_app`` (all optional)."""

    clock: Callable[[], Any] | None = None  # UTC datetime source; wrapped in a SandboxClock
    sleep: Callable[[float], None] = time.sleep  # used for injected latency and hangs
    stores: tuple[str, ...] = ("default",)  # store codes accepted in /rest/<store>/V1 ("all" always is)
    oauth: tuple[str, str, str] | None = None  # (consumer key, consumer secret, token secret)
    feed_url: str = ""
    feed_secret: str = ""
    feed_suppress: bool = False
    feed_attempts: int = 4
    feed_retry_wait: float = 0.5
    feed_timeout: float = 5.0
    feed_sleep: Callable[[float], None] = time.sleep
    request_log_limit: int = 50_000
    input_limit: int = 20  # items per REST input array (POST /V1/inventory/source-items); 0 turns the check off


def create_app(token: str, seed: str = "demo", **options: Any) -> Flask:
    """The sandbox as a Flask app; unknown options raise TypeError, a bad seed or feed ValueError."""
    settings = Options(**options)
    clock = SandboxClock(settings.clock)
    store = Store(clock)
    load(store, seed)
    store.inventory.input_limit_enabled = settings.input_limit > 0
    store.inventory.input_limit = settings.input_limit or store.inventory.input_limit
    feed = Feed(attempts=settings.feed_attempts, retry_wait=settings.feed_retry_wait, timeout=settings.feed_timeout,
                sleep=settings.feed_sleep)
    if settings.feed_url:
        feed.configure(settings.feed_url, settings.feed_secret, settings.feed_suppress)
    sandbox = Sandbox(token, store, Faults(), feed, stores=tuple(settings.stores), sleep=settings.sleep,
                      oauth=OAuthKeys(*settings.oauth) if settings.oauth else None,
                      log_limit=settings.request_log_limit)
    app = Flask("sandbox.magento.app")
    app.extensions["magento_sandbox"] = sandbox
    app.config.update(MAGENTO_SANDBOX_SEED=seed, MAGENTO_SANDBOX_CLOCK=clock, JSON_SORT_KEYS=False)
    app.add_url_rule("/rest", "rest_root", _rest_view, methods=METHODS, defaults={"rest_path": ""})
    app.add_url_rule("/rest/<path:rest_path>", "rest", _rest_view, methods=METHODS)
    app.register_blueprint(admin)
    return app


def _rest_view(rest_path: str) -> Response:
    sandbox: Sandbox = current_app.extensions["magento_sandbox"]
    status, headers, body = sandbox.handle(request.environ, request.method, list(request.args.items(multi=True)),
                                           request.get_data(), request.headers, request.host_url.rstrip("/"))
    return Response(body, status=status_line(status), headers=headers)


def status_line(status: int) -> str:
    """``503 Service Unavailable``: the reason phrase as a web server writes it (werkzeug would shout it)."""
    return f"{status} {HTTP_STATUS_CODES.get(status, 'Unknown')}"


def sandbox_of(app: Flask) -> Sandbox:
    """The app's state (store, faults, feed, request log), for in-process tests."""
    return app.extensions["magento_sandbox"]


@dataclasses.dataclass
class RunningServer:
    """A sandbox served from a background thread: ``url`` is ``http://127.0.0.1:<port>``."""

    server: BaseWSGIServer
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``app`` threaded on ``host:port`` (0 picks a free port) until ``stop()``."""
    server = threaded_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="magento-sandbox",
                              daemon=True)
    thread.start()
    return RunningServer(server, thread, f"http://{host}:{server.server_port}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(host: str, port: int, token: str, seed: str, **options: Any) -> None:
    """Run the sandbox in the foreground, threaded, until interrupted (``bridgectl sandbox magento``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(token, seed, **options)
    server = threaded_server(app, host, port)
    signal.signal(signal.SIGTERM, _interrupt)
    log.info("Magento sandbox (%s seed) on http://%s:%s/rest/V1 (admin: /__sandbox)", seed, host, server.server_port)
    try:
        serve_until_interrupted(server)
    finally:
        sandbox_of(app).feed.close()
