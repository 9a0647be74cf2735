"""The HTTP adapters' connection pool: a ``requests`` session whose adapter finds its pool once per origin.

requests' ``HTTPAdapter`` works out, on every request, which urllib3 pool serves it (parsing the URL,
looking for a proxy, building the pool key from the TLS settings, a locked look-up in the pool manager)
and which path to send. The client calls one origin all day, so ``PooledAdapter`` remembers the pool of
each origin and TLS setting after the first request, and sends the path as it is. It overrides only the
hooks requests documents for subclasses; ``send`` stays requests' own (and ``responses`` still mocks it).
A request through a proxy takes requests' way every time. ``close()`` closes the pools it kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool

PoolKey = tuple[str, Any, Any]  # origin ("scheme://host:port", credentials included), verify, cert


class PooledAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that keeps the pool of each origin it has served (thread-safe: the cache is a dict)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pools: dict[PoolKey, ConnectionPool] = {}

    def get_connection_with_tls_context(self, request: requests.PreparedRequest, verify: Any,
                                        proxies: Mapping[str, str] | None = None, cert: Any = None) -> ConnectionPool:
        if proxies:
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        key = (origin(request.url or ""), verify, cert)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = super().get_connection_with_tls_context(request, verify, cert=cert)
        return pool

    def request_url(self, request: requests.PreparedRequest, proxies: Mapping[str, str] | None) -> str:
        if proxies:
            return super().request_url(request, proxies)
        return request.path_url

    def close(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        super().close()
        for pool in pools:
            pool.close()


def origin(url: str) -> str:
    """``scheme://authority`` of an absolute URL: what tells two connection pools apart."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].split('?', 1)[0].split('#', 1)[0]}"


def pooled_session(pool_size: int, user_agent: str) -> requests.Session:
    """A session for one service: ``pool_size`` keep-alive connections, no urllib3 retries, its User-Agent."""
    session = requests.Session()
    adapter = PooledAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session
