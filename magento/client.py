"""The Magento REST client: one pooled ``requests.Session``, a timeout on every call, typed errors, retries.

With core/http_pool.py, the only module that imports requests for Magento. ``MagentoClient(settings)``
authenticates with ``Authorization: Bearer <MAGENTO_ACCESS_TOKEN>``, or signs every request with OAuth 1.0a
HMAC-SHA256 when MAGENTO_CONSUMER_KEY is set (Magento 2.4.4+ with ``oauth/consumer/enable_integration_as_bearer`` off
refuses integration tokens as bearer tokens, and refuses HMAC-SHA1). The endpoint methods come from
``Endpoints``; the retry rules are ``MagentoRetryPolicy``'s; the error sentences are ``errors.classify``'s.

Requests go straight to the session's connection pool (its ``HTTPAdapter``), prepared from parts built
once per client: the store's URL prefix, the headers (with the bearer token), the proxy and CA settings
and one tenacity ``Retrying`` per kind of call. requests' own per-call work (re-parsing and re-quoting
the URL, merging settings, cookie jars, hooks, redirect bookkeeping) cost more CPU than the HTTP
exchange itself, and the client uses none of it: it never follows a redirect and keeps no cookies.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, requote_uri
from requests_oauthlib import OAuth1
from tenacity import RetryCallState, Retrying
from urllib3 import Timeout
from urllib3.exceptions import NewConnectionError

from core.errors import MagentoBadResponse, MagentoError, MagentoUnavailable
from core.http_pool import pooled_session
from core.settings import Settings
from magento import errors, urls
from magento.endpoints import Endpoints
from magento.responses import Answer
from magento.retry import MagentoRetryPolicy

log = logging.getLogger(__name__)
USER_AGENT = "magento-erp-bridge/0.1"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>``; the token never appears in ``repr`` or logs."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


def build_auth(settings: Settings, *, nonce: str | None = None, timestamp: str | None = None) -> AuthBase:
    """Bearer auth, or OAuth 1.0a HMAC-SHA256 when the consumer key is set (``nonce``/``timestamp``: tests)."""
    if not settings.uses_oauth1:
        return BearerAuth(settings.magento_access_token)
    return OAuth1(settings.magento_consumer_key, client_secret=settings.magento_consumer_secret,
                  resource_owner_key=settings.magento_access_token,
                  resource_owner_secret=settings.magento_access_token_secret,
                  signature_method="HMAC-SHA256", signature_type="AUTH_HEADER", nonce=nonce, timestamp=timestamp)


class MagentoClient(Endpoints):
    """Thread-safe Magento REST client; ``request`` returns an ``Answer`` or raises a ``MagentoError``."""

    def __init__(self, settings: Settings, *, auth: AuthBase | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, session: requests.Session | None = None) -> None:
        settings.validate_magento()
        self.settings = settings
        self.max_items = settings.magento_max_items
        self.sleep = sleep
        self.policy = MagentoRetryPolicy.from_settings(settings)
        self._clock = clock
        self._auth = auth or build_auth(settings)
        self._session = session or pooled_session(max(10, settings.consumer_concurrency), USER_AGENT)
        self._adapter = self._session.get_adapter(settings.magento_base_url)
        # Proxies and CA bundle from the environment, read once like the rest of the configuration.
        self._send_settings = self._session.merge_environment_settings(
            settings.magento_base_url, {}, None, settings.magento_verify_tls, None)
        self._timeout = Timeout(connect=settings.magento_timeout, read=settings.magento_timeout)
        self._headers = _base_headers(self._session, self._auth)
        self._sign = None if isinstance(self._auth, BearerAuth) else self._auth  # bearer: in the headers already
        self._stores: dict[str, tuple[str, str]] = {}
        # One Retrying per kind of call, shared by every thread (tenacity keeps a call's state thread-local).
        self._retrying: dict[bool, Retrying] = {
            idempotent: self.policy.retrying(idempotent=idempotent, sleep=self._pause, before_sleep=self._log_retry)
            for idempotent in (True, False)}

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> MagentoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def url(self, relative_path: str, store: str | None = None, method: str = "GET") -> str:
        """The full URL of an encoded ``relative_path`` for the read (GET) or the write store."""
        return urls.rest_url(self.settings.magento_base_url, store or self._store_for(method), relative_path)

    def _store_for(self, method: str) -> str:
        if method == "GET":
            return str(self.settings.magento_store_code)
        return str(self.settings.magento_write_store_code)

    def request(self, method: str, relative_path: str, *, params: list[tuple[str, str]] | None = None,
                body: Any = None, store: str | None = None, idempotent: bool | None = None) -> Answer:
        """One call with the in-process retries of ``MagentoRetryPolicy``; ``relative_path`` is already encoded."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url_prefix, path_prefix = self._prefixes(store or self._store_for(method))
        url = url_prefix + relative_path + (_query(params) if params else "")
        call = f"{method} {path_prefix}{relative_path}"
        attempts = [0]

        def attempt() -> Answer:
            attempts[0] += 1
            return self._attempt(method, url, body, call)

        try:
            return self._retrying[bool(idempotent)](attempt)
        except MagentoUnavailable as error:
            raise self._gave_up(error, attempts[0]) from error

    def _prefixes(self, store: str) -> tuple[str, str]:
        """The URL and the path every call to ``store`` starts with, built on first use."""
        prefixes = self._stores.get(store)
        if prefixes is None:
            prefixes = self._stores[store] = _prefixes(self.url("", store))
        return prefixes

    def _pause(self, seconds: float) -> None:
        self.sleep(seconds)

    def _attempt(self, method: str, url: str, body: Any, call: str) -> Answer:
        prepared = self._prepare(method, url, body)
        try:
            # requests takes a urllib3 Timeout as it is, and merged settings never hold verify=None
            # (its stubs say float and bool | str)
            response = self._adapter.send(prepared, timeout=self._timeout,  # type: ignore[arg-type]
                                          **self._send_settings)  # type: ignore[arg-type]
            text = _decoded(response)  # read now, so that the connection goes back to the pool
        except requests.RequestException as exc:
            raise _transport_error(exc, call, self.settings.magento_timeout) from None
        if 200 <= response.status_code < 300:
            log.debug("magento %s answered %s", call, response.status_code)
            return Answer.from_text(text, call)
        raise self._http_error(response, text, call)

    def _prepare(self, method: str, url: str, body: Any) -> requests.PreparedRequest:
        """The request as requests would prepare it, but on the exact URL (requests would decode ``%2E``)."""
        prepared = requests.PreparedRequest()
        prepared.method = method
        prepared.url = url
        prepared.headers = self._headers.copy()
        prepared.prepare_body(None, None, body if method != "GET" else None)
        if self._sign is not None:
            self._sign(prepared)  # OAuth 1.0a signs the exact URL, query included
        return prepared

    def _http_error(self, response: requests.Response, text: str, call: str) -> MagentoError:
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")
            return MagentoBadResponse(
                f"Magento redirected to {location or 'another URL'}; set MAGENTO_BASE_URL to the store's final "
                f"URL (a redirect would turn a write into a GET) [{call}]", status=response.status_code,
                body=text[:errors.MAX_BODY_CHARS], details={"call": call})
        error = errors.classify(response.status_code, text, response.headers, reason=response.reason or "",
                                call=call, now=self._clock())
        if response.status_code == 401:
            log.error("magento refused the credentials: %s", error.message)
        return error

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0
        log.warning("magento retryable failure (attempt %d of %d), retrying in %.3g s: %s", state.attempt_number,
                    self.policy.retries + 1, delay, getattr(error, "message", error))

    def _gave_up(self, error: MagentoUnavailable, attempts: int) -> MagentoUnavailable:
        message = error.message if attempts == 1 else f"{error.message} (gave up after {attempts} attempts)"
        log.warning("magento unavailable, the caller retries later: %s", message)
        return type(error)(message, status=error.status, body=error.body, retry_after=error.retry_after,
                           details={**error.details, "attempts": attempts})


def _decoded(response: requests.Response) -> str:
    """The body as text: the declared charset, else UTF-8 (JSON's), never a slow guess."""
    try:
        return response.content.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:
        return response.content.decode("utf-8", errors="replace")


def _base_headers(session: requests.Session, auth: AuthBase) -> CaseInsensitiveDict[str]:
    """The session's headers with ``Accept: application/json``, checked once; a bearer token's too."""
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for name, value in cast(dict[str, str], {**session.headers, "Accept": "application/json"}).items():
        check_header_validity((name, value))
        headers[name] = value
    if isinstance(auth, BearerAuth):
        template = requests.PreparedRequest()
        template.headers = headers
        auth(template)
    return headers


def _prefixes(store_url: str) -> tuple[str, str]:
    """(URL, path) prefixes of calls to a store: scheme and host as requests normalises them, the path as built."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(store_url, None)
    normalised, path = urlsplit(prepared.url or ""), urlsplit(store_url).path
    return urlunsplit((normalised.scheme, normalised.netloc, path, "", "")), path


def _query(params: list[tuple[str, str]]) -> str:
    """``?`` and the query string of ``params``, encoded exactly as requests encodes them."""
    query = urlencode([(name, value) for name, value in params if value is not None], doseq=True)
    return f"?{requote_uri(query)}" if query else ""


def _transport_error(exc: requests.RequestException, call: str, timeout: float) -> MagentoUnavailable:
    """The retryable error for a failure below HTTP, noting whether the request may have reached Magento."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _unavailable(f"could not connect to Magento within {timeout:g} s", call, sent=False)
    if isinstance(exc, requests.exceptions.Timeout):
        return _unavailable(f"Magento did not answer within {timeout:g} s", call, sent=True)
    if isinstance(exc, requests.exceptions.SSLError):
        return _unavailable(f"TLS failure talking to Magento (check its certificate or MAGENTO_VERIFY_TLS): "
                            f"{_reason(exc)}", call, sent=False, in_process=False)
    if isinstance(exc, requests.exceptions.ConnectionError):
        refused = isinstance(getattr(exc.args[0] if exc.args else None, "reason", None), NewConnectionError)
        what = "could not connect to Magento" if refused else "the connection to Magento failed"
        return _unavailable(f"{what}: {_reason(exc)}", call, sent=not refused)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return _unavailable(f"Magento's answer was cut off: {_reason(exc)}", call, sent=True)
    return _unavailable(f"the request to Magento failed: {_reason(exc)}", call, sent=True, in_process=False)


def _unavailable(text: str, call: str, *, sent: bool, in_process: bool = True) -> MagentoUnavailable:
    details = {"call": call, "may_have_reached_magento": sent, "retry_in_process": in_process}
    return MagentoUnavailable(f"{text} [{call}]", details=details)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return str(reason or exc)[:300]
