"""Fixtures for the Odoo sandbox's tests: an ORM environment in memory, and the app served on a free port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandbox.odoo.app import ServerThread, create_app
from sandbox.odoo.orm import Database, Env
from sandbox.odoo.seed import seed
from tests.support import free_port


@pytest.fixture
def env() -> Env:
    """A seeded database, used directly (no HTTP), as the admin user."""
    database = Database()
    seed(database)
    return Env(database, uid=2)


class Client:
    """Raw JSON-RPC against the served sandbox: answers are whole envelopes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.next_id = 0

    def post(self, params: Any, **kwargs: Any) -> requests.Response:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "method": "call", "params": params, "id": self.next_id}
        return self.session.post(self.url + "/jsonrpc", json=body, timeout=10, **kwargs)

    def call(self, service: str, method: str, *args: Any) -> dict:
        return self.post({"service": service, "method": method, "args": list(args)}).json()

    def execute(self, model: str, method: str, args: list, kwargs: dict | None = None, *, password: str = "admin",
                db: str = "bridge", uid: Any = 2) -> dict:
        return self.call("object", "execute_kw", db, uid, password, model, method, args, kwargs or {})

    def result(self, model: str, method: str, args: list, kwargs: dict | None = None) -> Any:
        answer = self.execute(model, method, args, kwargs)
        assert "result" in answer, answer.get("error", {}).get("data", {}).get("message")
        return answer["result"]

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.url + "/__sandbox/" + path, timeout=10, **kwargs)


@pytest.fixture
def odoo() -> Iterator[Client]:
    """The sandbox app (database ``bridge``, login/password ``admin``) served in a thread."""
    server = ServerThread(create_app(), port=free_port()).start()
    try:
        yield Client(server.url)
    finally:
        server.stop()


@pytest.fixture
def serve() -> Iterator[Callable[..., Client]]:
    """Serve a sandbox made with ``create_app`` options (``version``, ``modules``, ``currencies``)."""
    servers: list[ServerThread] = []

    def start(**options: Any) -> Client:
        servers.append(ServerThread(create_app(**options), port=free_port()).start())
        return Client(servers[-1].url)
    yield start
    for server in servers:
        server.stop()
