"""Fixtures for the HTTP ERP sandbox: the app under Flask's test client, and a real threaded server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from sandbox.erp.app import SandboxThread, create_app, store_of
from sandbox.erp.store import ErpStore
from tests.support import free_port

TOKEN = "sandbox-token-1"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app():
    return create_app(TOKEN)


@pytest.fixture
def client(app) -> FlaskClient:
    """Flask's test client for the app (tests pass the AUTH headers themselves)."""
    return app.test_client()


@pytest.fixture
def store(app) -> ErpStore:
    return store_of(app)


@pytest.fixture
def server() -> Iterator[SandboxThread]:
    """The sandbox served over real HTTP from a thread, with the token required."""
    with SandboxThread(token=TOKEN, port=free_port()) as running:
        yield running
