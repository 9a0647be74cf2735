"""Fixtures for the Magento client tests: settings, a client with an injected sleep, mocked HTTP, payloads."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from consumers.magento.client import MagentoClient
from core.settings import Settings
from tests.support import free_port

TOKEN = "tok-3f9a7c21e8d04b6a"
NOW = 1_700_000_000.0  # the injected clock, for Retry-After HTTP-dates


class Sleeps(list):
    """A recording stand-in for ``time.sleep``: the delays asked for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def base_url() -> str:
    """A 127.0.0.1 base URL on a free port (nothing listens there unless a test starts a server)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def magento_settings(make_settings: Callable[..., Settings], base_url: str) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        return make_settings(**{"MAGENTO_BASE_URL": base_url, "MAGENTO_ACCESS_TOKEN": TOKEN, **overrides})
    return build


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(magento_settings: Callable[..., Settings], sleeps: Sleeps) -> Iterator[Callable[..., MagentoClient]]:
    clients: list[MagentoClient] = []

    def build(**overrides: Any) -> MagentoClient:
        client = MagentoClient(magento_settings(**overrides), sleep=sleeps, clock=lambda: NOW)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., MagentoClient]) -> MagentoClient:
    return make_client()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def rest(base_url: str) -> Callable[..., str]:
    """``rest("products/X")`` is the URL the client calls in the read store (``store=`` for another)."""
    def url(relative_path: str, store: str = "default") -> str:
        return f"{base_url}/rest/{store}/V1/{relative_path}"
    return url


@pytest.fixture
def payload() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A deep copy of a payload from payloads.py, so a test can change it freely."""
    return copy.deepcopy
