"""Fixtures for the Magento client tests: settings, a client with an injected sleep, mocked HTTP, payloads,
and the Magento sandbox served over real sockets (one per test module) with a client pointed at it."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
import responses
from flask import Flask

from core.settings import Settings
from magento.client import MagentoClient
from magento.records import fetch_record
from sandbox.magento.app import create_app, run_in_thread, sandbox_of
from sandbox.magento.scenarios import seed_money_cases
from schemas.mapping import map_record

TOKEN = "tok-3f9a7c21e8d04b6a"
NOW = 1_700_000_000.0  # the injected clock, for Retry-After HTTP-dates
SANDBOX_TOKEN = "sandbox-tok-8c41e2d7"
SANDBOX_START = "2024-06-01 12:00:00"  # the sandbox's frozen clock after every reset
SANDBOX_OAUTH = {"MAGENTO_CONSUMER_KEY": "ck-5b1e0a9d", "MAGENTO_CONSUMER_SECRET": "cs-77d0c2f4e1",
                 "MAGENTO_ACCESS_TOKEN_SECRET": "ts-2a9c6e0b83"}  # the integration's keys: OAuth 1.0a works too


class Sleeps(list):
    """A recording stand-in for ``time.sleep``: the delays asked for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _settings_for(make_settings: Callable[..., Settings], url: str, token: str) -> Callable[..., Settings]:
    """``build(**overrides)``: Settings for the Magento at ``url`` with ``token``, overrides applied last."""
    def build(**overrides: Any) -> Settings:
        return make_settings(**{"MAGENTO_BASE_URL": url, "MAGENTO_ACCESS_TOKEN": token, **overrides})
    return build


def _client_builder(settings_for: Callable[..., Settings], sleeps: Sleeps) -> Iterator[Callable[..., MagentoClient]]:
    """Yield ``build(**overrides)`` of MagentoClients on recorded sleeps and the fixed clock; close them all after."""
    clients: list[MagentoClient] = []

    def build(**overrides: Any) -> MagentoClient:
        client = MagentoClient(settings_for(**overrides), sleep=sleeps, clock=lambda: NOW)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def magento_settings(make_settings: Callable[..., Settings], base_url: str) -> Callable[..., Settings]:
    return _settings_for(make_settings, base_url, TOKEN)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(magento_settings: Callable[..., Settings], sleeps: Sleeps) -> Iterator[Callable[..., MagentoClient]]:
    yield from _client_builder(magento_settings, sleeps)


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


# The Magento sandbox, over real HTTP on 127.0.0.1 -------------------------------------------------------

@dataclasses.dataclass
class MagentoSandbox:
    """A demo-seeded sandbox served from a thread; ``admin`` calls its ``/__sandbox`` API."""

    app: Flask
    url: str

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        """``method /__sandbox{path}`` with a JSON body; the decoded answer (a failing call fails the test)."""
        answer = requests.request(method, f"{self.url}/__sandbox{path}", json=body, timeout=10)
        assert answer.ok, f"{method} /__sandbox{path} answered {answer.status_code}: {answer.text}"
        return answer.json()

    def reset(self) -> None:
        """Back to the demo seed, no faults, the token valid, the clock frozen at ``SANDBOX_START``."""
        self.admin("POST", "/reset", {"seed": "demo"})
        self.admin("POST", "/clock", {"freeze": SANDBOX_START})

    def record(self, entity: str, key: str) -> Any:
        """A record exactly as the sandbox holds it (``GET /__sandbox/records/{entity}/{key}``)."""
        return self.admin("GET", f"/records/{entity}/{quote(str(key), safe='/')}")

    def keys(self, entity: str) -> list[str]:
        return self.admin("GET", f"/records/{entity}")["keys"]

    def calls(self) -> list[dict[str, Any]]:
        """The REST calls the sandbox answered since the last reset: method, path as sent, status, fault."""
        return self.admin("GET", "/requests")["requests"]

    def arm(self, fault: str, **options: Any) -> None:
        """Arm ``/__sandbox/faults/{fault}`` (timeout, drop, errors, rate-limit) with its options."""
        self.admin("POST", f"/faults/{fault}", options)


@pytest.fixture(scope="module")
def magento_sandbox() -> Iterator[MagentoSandbox]:
    """One sandbox per test module (demo seed, real sleeps so that injected hangs really hang)."""
    oauth = (SANDBOX_OAUTH["MAGENTO_CONSUMER_KEY"], SANDBOX_OAUTH["MAGENTO_CONSUMER_SECRET"],
             SANDBOX_OAUTH["MAGENTO_ACCESS_TOKEN_SECRET"])
    app = create_app(SANDBOX_TOKEN, "demo", feed_retry_wait=0, oauth=oauth)
    with run_in_thread(app) as server:
        yield MagentoSandbox(app, server.url)
    sandbox_of(app).feed.close()


@pytest.fixture
def sandbox(magento_sandbox: MagentoSandbox) -> MagentoSandbox:
    """The module's sandbox, reset to the demo seed before the test."""
    magento_sandbox.reset()
    return magento_sandbox


@pytest.fixture
def make_sandbox_client(make_settings: Callable[..., Settings], sleeps: Sleeps,
                        sandbox: MagentoSandbox) -> Iterator[Callable[..., MagentoClient]]:
    """``make_sandbox_client(**settings)``: a real MagentoClient on the sandbox; its sleeps are recorded."""
    yield from _client_builder(_settings_for(make_settings, sandbox.url, SANDBOX_TOKEN), sleeps)


@pytest.fixture
def magento(make_sandbox_client: Callable[..., MagentoClient]) -> MagentoClient:
    """A MagentoClient with the default settings, on the freshly reset sandbox."""
    return make_sandbox_client()


MONEY_KINDS = ("order", "invoice", "creditmemo", "shipment")
MoneyDocuments = dict[str, dict[str, list[dict[str, Any]]]]


@pytest.fixture(scope="module")
def money(magento_sandbox: MagentoSandbox, tmp_path_factory: pytest.TempPathFactory) -> MoneyDocuments:
    """The sandbox's money scenarios (sandbox.magento.scenarios), seeded once for the module, each record fetched
    over REST with ``fetch_record`` and mapped: ``{case: {"order": [document], "invoice": [...], ...}}``."""
    magento_sandbox.reset()
    cases = seed_money_cases(sandbox_of(magento_sandbox.app).store)
    database = tmp_path_factory.mktemp("money") / "bridge.sqlite3"
    settings = Settings.from_env({}, {"DATABASE_URL": f"sqlite:///{database}",
                                      "MAGENTO_BASE_URL": magento_sandbox.url, "MAGENTO_ACCESS_TOKEN": SANDBOX_TOKEN})
    with contextlib.closing(MagentoClient(settings)) as client:
        return {case: {entity: [map_record(entity, fetch_record(client, entity, str(key)))
                                for key in ([ids["order_id"]] if entity == "order" else ids[f"{entity}_ids"])]
                       for entity in MONEY_KINDS}
                for case, ids in cases.items()}
