"""The client's connection pool: one pool per origin found once, a closed pool replaced, proxies as requests does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from core.http_pool import PooledAdapter, origin, pooled_session
from tests.support import free_port


@pytest.fixture
def session() -> Iterator[requests.Session]:
    made = pooled_session(4, "bridge-test/1")
    yield made
    made.close()


def pool_of(session: requests.Session, url: str, verify: object = None) -> Any:
    """The pool a request to ``url`` goes through (with the session's TLS settings unless ``verify`` is given)."""
    if verify is None:
        verify = session.merge_environment_settings(url, {}, None, None, None)["verify"]
    prepared = requests.Request("GET", url).prepare()
    adapter = session.get_adapter(url)
    assert isinstance(adapter, PooledAdapter)
    return adapter.get_connection_with_tls_context(prepared, verify, proxies={}, cert=None)


def test_the_session_sends_through_a_pooled_adapter_with_its_user_agent(session, base_url, wire) -> None:
    assert isinstance(session.get_adapter(base_url), PooledAdapter)
    answer = session.get(f"{base_url}/rest/default/V1/products/A%2FB", timeout=5)
    assert answer.json() == {"sku": "ok"}
    assert wire == ["GET /rest/default/V1/products/A%2FB HTTP/1.1"]
    assert answer.request.headers["User-Agent"] == "bridge-test/1"


def test_an_origin_keeps_its_pool_and_tls_settings_get_their_own(session, base_url) -> None:
    first = pool_of(session, f"{base_url}/rest/default/V1/products/A")
    assert pool_of(session, f"{base_url}/rest/all/V1/orders/5?x=1") is first
    assert pool_of(session, f"{base_url}/a", verify=False) is not pool_of(session, f"{base_url}/a", verify=True)
    assert pool_of(session, f"http://127.0.0.1:{free_port()}/a") is not first


def test_closing_the_session_closes_its_pools(base_url, wire) -> None:
    session = pooled_session(4, "bridge-test/1")
    url = f"{base_url}/rest/default/V1/products/A"
    session.get(url, timeout=5)
    pool = pool_of(session, url)
    session.close()
    assert pool.pool is None  # urllib3's mark of a closed pool: its connections are closed


def test_a_request_through_a_proxy_goes_to_the_proxy_in_absolute_form(session, base_url, wire) -> None:
    target = f"http://127.0.0.1:{free_port()}/rest/default/V1/products/A"  # nothing listens: only the proxy answers
    answer = session.get(target, proxies={"http": base_url}, timeout=5)
    assert answer.status_code == 200
    assert wire == [f"GET {target} HTTP/1.1"]


@pytest.mark.parametrize(("url", "expected"), [
    ("http://127.0.0.1:8080/rest/V1/x?y=1", "http://127.0.0.1:8080"),
    ("HTTPS://user:pw@Shop.example/", "https://user:pw@Shop.example"),
    ("http://shop.example?x=1", "http://shop.example"),
])
def test_the_origin_is_the_scheme_and_authority(url: str, expected: str) -> None:
    assert origin(url) == expected
