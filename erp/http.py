"""The HTTP ERP backend: ``PUT``/``DELETE {ERP_HTTP_URL}/{entity}/{key}`` with a bearer token.

The contract for ERP integrators is in docs/http-erp.md. Status codes decide the error class: 2xx is
success, 401/403 ``ErpAuthError``, 408/429/5xx ``ErpUnavailable`` (retryable, with ``retry_after`` from
Retry-After), every other 4xx (and a 3xx) ``ErpRejected`` carrying the ERP's answer. There are no
in-process retries: a PUT is idempotent, and the broker's delay tiers hold the message between attempts.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.cookiejar
import json
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any, cast
from urllib.parse import quote, urlsplit, urlunsplit

import requests
import requests.auth

from core import entities
from core.errors import ErpAuthError, ErpRejected, ErpUnavailable, MappingError
from core.http_pool import pooled_session
from core.settings import Settings
from erp import http_stock
from erp.base import ALL_LOCATIONS, Document, ErpBackend, StockLevels

log = logging.getLogger(__name__)

ANSWER_LIMIT = 2000  # characters of the ERP's answer kept in an error message
RETRYABLE_4XX = frozenset({408, 429})
GONE = frozenset({404, 410})
USER_AGENT = "magento-erp-bridge/0.1 (+docs/http-erp.md)"


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <token>``; as the session's auth it also keeps ~/.netrc from replacing it."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


def key_segment(key: str) -> str:
    """``key`` percent-encoded as exactly one path segment (``/`` is ``%2F``; ``.`` and ``..`` are escaped)."""
    if key == "":
        raise ValueError("a record key must not be empty")
    segment = quote(key, safe="")
    if segment in {".", ".."}:
        segment = segment.replace(".", "%2E")  # a bare dot segment would be removed by URL normalisation
    return segment


def truncated(text: str, limit: int = ANSWER_LIMIT) -> str:
    """``text`` stripped and cut to ``limit`` characters, saying how long it was when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [truncated, {len(text)} characters in all]"


def retry_after_seconds(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP-date); None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def resource(entity: str) -> str:
    """The contract's ``{entity}`` path segment: the entity's writer in the entity table (its own name
    today); a name the table lacks is sent as it is, for the ERP to refuse."""
    try:
        return entities.entity(entity).writer
    except ValueError:
        return entity


def _encode(entity: str, key: str, document: Document) -> bytes:
    try:
        return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError) as exc:
        raise MappingError(f"the {entity} document for {key!r} is not valid JSON: {exc}") from None


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1], query="", fragment=""))


class HttpErpBackend(ErpBackend):
    """Writes ERP documents to any HTTP API; one pooled, thread-safe session for every worker thread.

    Requests go straight to the session's connection pool (its ``HTTPAdapter``): the session's own per-call
    work (merging settings, cookie jars, hooks, redirect bookkeeping, a ~/.netrc look-up) costs more CPU
    than the HTTP exchange itself, and the bridge uses none of it. Proxies, CA bundle and ~/.netrc are read
    once, when the backend is built.
    """

    name = "http"

    def __init__(self, base_url: str, token: str = "", timeout: float = 10.0, pool_size: int = 16) -> None:
        if not base_url:
            raise ValueError("the HTTP ERP backend needs a base URL (ERP_HTTP_URL)")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = self._session(token, pool_size)
        self._adapter = self.session.get_adapter(self.base_url)
        self._auth = self._credentials()
        # Proxies and CA bundle from the environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE), once.
        self._send_options = self.session.merge_environment_settings(self.base_url, {}, False, None, None)
        log.info("HTTP ERP backend at %s (bearer token %s, timeout %.1f s)",
                 _without_credentials(self.base_url), "set" if token else "not set", timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpErpBackend:
        """The backend for ERP_HTTP_URL, ERP_HTTP_TOKEN and ERP_TIMEOUT, pooled for the consumer's threads."""
        settings.require("ERP_HTTP_URL", why="when ERP_BACKEND=http")
        return cls(settings.erp_http_url, settings.erp_http_token, settings.erp_timeout,
                   pool_size=max(10, settings.consumer_concurrency))

    @staticmethod
    def _session(token: str, pool_size: int) -> requests.Session:
        session = pooled_session(pool_size, USER_AGENT)
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))  # no shared state
        session.headers["Accept"] = "application/json"
        if token:
            session.auth = BearerAuth(token)
        return session

    def _credentials(self) -> requests.auth.AuthBase | None:
        """The bearer token; without one, ~/.netrc's entry or the URL's user and password, as requests would."""
        if self.session.auth is not None:
            return cast(requests.auth.AuthBase, self.session.auth)  # only ever the BearerAuth set above
        user_password = requests.utils.get_netrc_auth(self.base_url) or requests.utils.get_auth_from_url(self.base_url)
        return requests.auth.HTTPBasicAuth(*user_password) if any(user_password) else None

    @property
    def writers(self) -> frozenset[str]:
        """Every writer of the entity table: each is the resource ``{url}/{writer}`` of the contract."""
        return frozenset(row.writer for row in entities.rows())

    def record_url(self, entity: str, key: str) -> str:
        return f"{self.base_url}/{key_segment(resource(entity))}/{key_segment(key)}"

    def upsert(self, entity: str, key: str, document: Document) -> str | None:
        body = _encode(entity, key, document)
        response = self._call("PUT", self.record_url(entity, key), data=body,
                              headers={"Content-Type": "application/json; charset=utf-8"})
        self._raise_for(response, "PUT")
        return self._answer_id(response)

    def delete(self, entity: str, key: str) -> None:
        response = self._call("DELETE", self.record_url(entity, key))
        if response.status_code in GONE:
            log.debug("ERP had no %s %r to delete (%d): already gone", entity, key, response.status_code)
            return
        self._raise_for(response, "DELETE")

    def count(self, entity: str) -> int:
        """Records the ERP lists at ``GET {url}/{entity}``; -1 (with a warning) when it cannot say."""
        try:
            response = self._call("GET", f"{self.base_url}/{key_segment(resource(entity))}")
            self._raise_for(response, "GET")
        except (ErpUnavailable, ErpRejected, ErpAuthError) as exc:
            log.warning("cannot count %s records in the ERP: %s", entity, exc.report_text())
            return -1
        return self._listed_count(response, entity)

    def preflight(self) -> None:
        """One ``GET {url}/product``: an unreachable ERP (ErpUnavailable) and refused credentials (401/403,
        ErpAuthError) are reported at start-up; any other answer passes (the list is optional in the contract)."""
        response = self._call("GET", f"{self.base_url}/{key_segment('product')}")
        if response.status_code in (401, 403):
            self._raise_for(response, "GET")

    def stock_levels(self, skus: Sequence[str], locations: Sequence[str] = (ALL_LOCATIONS,),
                     measure: str = "on_hand") -> StockLevels:
        """``GET {url}/stock/{sku}`` per SKU (docs/http-erp.md); the ERP answers the quantity to push."""
        return http_stock.stock_levels(self._get_json, lambda sku: self.record_url("stock", sku), skus, locations)

    def stock_skus(self, page_size: int = 500) -> Iterator[list[str]]:
        return http_stock.stock_skus(self._get_json, f"{self.base_url}/{key_segment(resource('stock'))}", page_size)

    def _get_json(self, url: str) -> Any:
        """The JSON answer of ``GET url``; None on 404/410; the usual error classes otherwise."""
        response = self._call("GET", url)
        if response.status_code in GONE:
            return None
        self._raise_for(response, "GET")
        try:
            return response.json()
        except ValueError:
            raise ErpRejected(f"GET {self._path(url)} answered no JSON: {truncated(response.text, 200)}",
                              status=response.status_code) from None

    def close(self) -> None:
        self.session.close()

    def _call(self, method: str, url: str, data: bytes | None = None,
              headers: dict[str, str] | None = None) -> requests.Response:
        """Send one request with the exact URL (no re-quoting), no redirects and a timeout; the body is read."""
        prepared = self._prepare(method, url, data, headers or {})
        started = time.perf_counter()
        try:
            # merged settings never hold verify=None (the session's True wins); requests' stubs say they may
            response = self._adapter.send(prepared, timeout=self.timeout,
                                          **self._send_options)  # type: ignore[arg-type]
            response.content  # noqa: B018  read now, so that the connection goes back to the pool
        except requests.Timeout:
            raise ErpUnavailable(f"{method} {self._path(url)} timed out after {self.timeout:g} s") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise ErpUnavailable(f"{method} {self._path(url)} failed to connect: {exc}") from None
        except requests.RequestException as exc:
            raise ErpRejected(f"{method} {self._path(url)} could not be sent: {exc}") from None
        log.debug("ERP %s %s answered %d in %.0f ms", method, self._path(url), response.status_code,
                  (time.perf_counter() - started) * 1000)
        return response

    def _prepare(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> requests.PreparedRequest:
        """The request as the session would prepare it, without the per-call merging the bridge never needs."""
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        prepared.url = url  # as built: preparing it would decode %2E back into a dot segment
        prepared.prepare_headers({**self.session.headers, **headers})
        prepared.prepare_body(data, None)
        if self._auth is not None:
            self._auth(prepared)
        return prepared

    def _path(self, url: str) -> str:
        return url[len(self.base_url):] or "/"

    def _raise_for(self, response: requests.Response, method: str) -> None:
        """Raise the error class the status code calls for; return quietly on 2xx."""
        status = response.status_code
        if 200 <= status < 300:
            return
        answer = truncated(response.text) or response.reason or "(empty answer)"
        where = f"{method} {self._path(response.request.url or '')}"
        if status in (401, 403):
            raise ErpAuthError(f"{where} refused the credentials (check ERP_HTTP_TOKEN): {answer}",
                               status=status, body=answer)
        if status in RETRYABLE_4XX or status >= 500:
            raise ErpUnavailable(f"{where}: {answer}", status=status, body=answer,
                                 retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        if 300 <= status < 400:
            target = response.headers.get("Location", "(no Location)")
            raise ErpRejected(f"{where} was redirected to {target}; set ERP_HTTP_URL to the final address",
                              status=status, body=answer)
        raise ErpRejected(f"{where} was refused: {answer}", status=status, body=answer)

    @staticmethod
    def _answer_id(response: requests.Response) -> str | None:
        """The ``id`` of a JSON object answer, as text; None for an empty or other answer."""
        try:
            answer = response.json()
        except ValueError:
            return None
        if isinstance(answer, dict) and answer.get("id") not in (None, ""):
            return str(answer["id"])
        return None

    @staticmethod
    def _listed_count(response: requests.Response, entity: str) -> int:
        """A count from ``[...]``, ``{"count": n}``, ``{"total": n}`` or ``{"items": [...]}``; else -1."""
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, list):
            return len(answer)
        if isinstance(answer, dict):
            for name in ("count", "total"):
                if isinstance(answer.get(name), int) and not isinstance(answer.get(name), bool):
                    return int(answer[name])
            if isinstance(answer.get("items"), list):
                return len(answer["items"])
        log.warning("the ERP's list of %s records has no count the bridge understands", entity)
        return -1
