"""The Magento REST client: one pooled ``requests.Session``, a timeout on every call, typed errors, retries.

The only module that imports requests for Magento. ``MagentoClient(settings)`` authenticates with
``Authorization: Bearer <MAGENTO_ACCESS_TOKEN>``, or signs every request with OAuth 1.0a HMAC-SHA256 when
MAGENTO_CONSUMER_KEY is set (Magento 2.4.4+ with ``oauth/consumer/enable_integration_as_bearer`` off
refuses integration tokens as bearer tokens, and refuses HMAC-SHA1). The endpoint methods come from
``Endpoints``; the retry rules are ``RetryPolicy``'s; the error sentences are ``errors.classify``'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from requests_oauthlib import OAuth1
from tenacity import RetryCallState
from urllib3.exceptions import NewConnectionError

from core.errors import MagentoBadResponse, MagentoError, MagentoUnavailable
from core.settings import Settings
from consumers.magento import errors, urls
from consumers.magento.endpoints import Endpoints
from consumers.magento.responses import Answer
from consumers.magento.retry import RetryPolicy

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
        self.sleep = sleep
        self.policy = RetryPolicy.from_settings(settings)
        self._clock = clock
        self._auth = auth or build_auth(settings)
        self._session = session or _pooled_session(max(10, settings.consumer_concurrency))
        # Proxies and CA bundle from the environment, read once like the rest of the configuration.
        self._send_settings = self._session.merge_environment_settings(
            settings.magento_base_url, {}, None, settings.magento_verify_tls, None)

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
            return self.settings.magento_store_code
        return self.settings.magento_write_store_code

    def request(self, method: str, relative_path: str, *, params: list[tuple[str, str]] | None = None,
                body: Any = None, store: str | None = None, idempotent: bool | None = None) -> Answer:
        """One call with the in-process retries of ``RetryPolicy``; ``relative_path`` is already encoded."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.url(relative_path, store, method)
        call = f"{method} {urlsplit(url).path}"
        attempts = [0]

        def attempt() -> Answer:
            attempts[0] += 1
            return self._attempt(method, url, params, body, call)

        retrying = self.policy.retrying(idempotent=idempotent, sleep=self.sleep, before_sleep=self._log_retry)
        try:
            return retrying(attempt)
        except MagentoUnavailable as error:
            raise self._gave_up(error, attempts[0]) from error

    def _attempt(self, method: str, url: str, params: Any, body: Any, call: str) -> Answer:
        prepared = self._prepare(method, url, params, body)
        try:
            response = self._session.send(prepared, timeout=self.settings.magento_timeout, allow_redirects=False,
                                          **self._send_settings)
        except requests.RequestException as exc:
            raise _transport_error(exc, call, self.settings.magento_timeout) from None
        text = _decoded(response)
        if 200 <= response.status_code < 300:
            log.debug("magento %s answered %s", call, response.status_code)
            return Answer.from_text(text, call)
        raise self._http_error(response, text, call)

    def _prepare(self, method: str, url: str, params: Any, body: Any) -> requests.PreparedRequest:
        """Prepare, then put back the exact encoded path (requests would decode ``%2E``), then authenticate."""
        prepared = requests.PreparedRequest()
        headers = {**self._session.headers, "Accept": "application/json"}
        prepared.prepare(method=method, url=url, headers=headers, params=params,
                         json=body if method != "GET" else None)
        sent = urlsplit(prepared.url)
        prepared.url = urlunsplit(sent._replace(path=urlsplit(url).path))
        prepared.prepare_auth(self._auth)
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


def _pooled_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


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
