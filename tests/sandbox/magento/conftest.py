"""Fixtures for the Magento sandbox tests: an app on a controllable clock, an authorised client, live servers."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox.magento.app import RunningServer, create_app, run_in_thread, sandbox_of
from sandbox.magento.rest import Sandbox

TOKEN = "sandbox-test-token-5f1c"
START = dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class Api:
    """Calls ``/rest/<store>/V1/...`` with the bearer token; ``path`` starts at ``/V1``."""

    def __init__(self, client: FlaskClient, store: str = "default") -> None:
        self.client, self.store = client, store
        self.headers = {"Authorization": f"Bearer {TOKEN}"}

    def url(self, path: str) -> str:
        return f"/rest/{self.store}{path}" if self.store else f"/rest{path}"

    def get(self, path: str, **kwargs: Any):
        return self.client.get(self.url(path), headers=self.headers, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self.client.post(self.url(path), headers=self.headers, json=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any):
        return self.client.put(self.url(path), headers=self.headers, json=body, **kwargs)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleeps() -> list[float]:
    """Every sleep the sandbox asked for (injected latency and hangs), instead of sleeping."""
    return []


@pytest.fixture
def app(clock: ManualClock, sleeps: list[float]) -> Iterator[Flask]:
    app = create_app(TOKEN, "demo", clock=clock, sleep=sleeps.append, feed_retry_wait=0)
    yield app
    sandbox_of(app).feed.close()


@pytest.fixture
def sandbox(app: Flask) -> Sandbox:
    return sandbox_of(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def live() -> Iterator[RunningServer]:
    """The demo sandbox served over real sockets (real sleeps), for timeouts, drops and concurrency."""
    app = create_app(TOKEN, "demo", feed_retry_wait=0)
    with run_in_thread(app) as server:
        yield server
    sandbox_of(app).feed.close()


class Receiver:
    """A stand-in for the bridge's webhook receiver: records every POST; ``fail_next`` answers 503 first."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_next = 0
        self.status = 202
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)  # type: ignore[arg-type, misc]
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/magento"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @Request.application  # type: ignore[arg-type]  # werkzeug's types do not cover it on a method
    def _wsgi(self, request: Request) -> Response:  # type: ignore[misc]
        with self._lock:
            self.received.append({"headers": dict(request.headers), "body": request.get_data()})
            if self.fail_next:
                self.fail_next -= 1
                return Response("busy", status=503)
        return Response(json.dumps({"accepted": True}), status=self.status, mimetype="application/json")

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(entry["body"]) for entry in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()
