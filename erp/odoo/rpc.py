"""Odoo's external API over JSON-RPC (``POST {ODOO_URL}/jsonrpc``): authentication and ``execute_kw``.

Every failure leaves this module as one of the bridge's ERP errors:
- ``ErpUnavailable`` (retryable): timeouts, connection errors, HTTP 429 and 5xx, a body that is not JSON-RPC,
  and database-level errors Odoo passes through (``psycopg2.*``: serialisation failures, lost connections;
  any error whose message says "could not serialize access" or "concurrent update").
- ``ErpAuthError``: ``authenticate`` answering ``false``, ``AccessDenied`` twice (a re-authentication in
  between), HTTP 401/403, or a database that does not exist.
- ``ErpRejected``: every other Odoo exception (ValidationError, UserError, MissingError, AccessError,
  ValueError for a bad field or domain, ...) with Odoo's exception name and full message.
HTTP failures are classified by status code; transport failures by requests' own exception types.
A JSON-RPC answer without ``result`` (and without ``error``) is a method that returned None: real Odoo
leaves the key out (``{"jsonrpc": "2.0", "id": 405}``), so the call answers None.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
import tenacity
from requests.adapters import HTTPAdapter

from core.errors import ErpAuthError, ErpError, ErpRejected, ErpUnavailable
from core.settings import Settings

log = logging.getLogger(__name__)

ACCESS_DENIED = "odoo.exceptions.AccessDenied"
AUTH_EXCEPTIONS = frozenset({ACCESS_DENIED, "odoo.http.SessionExpiredException"})
RETRYABLE_EXCEPTIONS = frozenset({"odoo.exceptions.ConcurrencyError", "odoo.exceptions.CacheMiss"})
READ_METHODS = frozenset({"search", "search_read", "read", "search_count", "fields_get", "name_search"})
SNIPPET = 300
SERIALIZATION_SIGNS = ("serializationfailure", "could not serialize access", "concurrent update")


@dataclasses.dataclass(frozen=True)
class OdooRetryPolicy:
    """In-process retries of idempotent calls (reads, authenticate) after an ErpUnavailable."""

    attempts: int = 3
    first_wait: float = 0.2
    max_wait: float = 2.0


def rpc_error(error: Any, what: str) -> ErpError:
    """The bridge error for a JSON-RPC ``error`` member, decided by Odoo's exception name (``data.name``)."""
    error = error if isinstance(error, dict) else {"message": str(error)}
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    name = str(data.get("name") or "")
    message = str(data.get("message") or error.get("message") or "no message")
    short = name.rsplit(".", 1)[-1] or "Error"
    details = {"odoo_exception": name, "odoo_message": message, "rpc_code": error.get("code"), "call": what}
    debug = str(data.get("debug") or "")[-2000:] or None
    if name in AUTH_EXCEPTIONS or error.get("code") == 100:
        return ErpAuthError(f"Odoo refused the credentials ({what}): {short}: {message}", details=details,
                            body=debug)
    if name == "psycopg2.OperationalError" and "does not exist" in message:
        return ErpAuthError(f"Odoo has no such database ({what}): {message.strip()} (check ODOO_DB)",
                            details=details, body=debug)
    if name in RETRYABLE_EXCEPTIONS or name.startswith("psycopg2.") or _serialization_failure(name, message):
        return ErpUnavailable(f"Odoo failed {what}: {short}: {message}", details=details, body=debug)
    return ErpRejected(f"Odoo refused {what}: {short}: {message}", details=details, body=debug)


def _serialization_failure(name: str, message: str) -> bool:
    """PostgreSQL refused a concurrent write (Odoo retries some itself; the rest reach the client)."""
    text = f"{name} {message}".lower()
    return any(sign in text for sign in SERIALIZATION_SIGNS)


def http_error(status: int, text: str, retry_after: str | None, what: str) -> ErpError:
    """The bridge error for an HTTP answer other than 200, decided by its status code."""
    snippet = " ".join(text.split())[:SNIPPET]
    details = {"call": what}
    if status == 429:
        return ErpUnavailable(f"Odoo is rate limiting ({what})", status=status, body=snippet,
                              retry_after=_seconds(retry_after), details=details)
    if status >= 500:
        return ErpUnavailable(f"Odoo is unavailable ({what}): {snippet or 'no body'}", status=status,
                              body=snippet, retry_after=_seconds(retry_after), details=details)
    if status in (401, 403):
        return ErpAuthError(f"Odoo refused the request ({what}): {snippet or 'no body'}", status=status,
                            body=snippet, details=details)
    if status == 404:
        return ErpRejected(f"no JSON-RPC endpoint at /jsonrpc ({what}): ODOO_URL must be the Odoo server's "
                           "base URL", status=status, body=snippet, details=details)
    return ErpRejected(f"Odoo refused the request ({what}): {snippet or 'no body'}", status=status, body=snippet,
                       details=details)


def _seconds(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


class OdooRpc:
    """A thread-safe JSON-RPC client: one connection pool, one uid shared by every thread.

    It authenticates on first use and again when Odoo answers ``AccessDenied`` (the password or API key
    may have been rotated); the password travels in every ``execute_kw`` and is never logged.
    """

    def __init__(self, url: str, db: str, login: str, password: str, *, timeout: float = 10.0,
                 retry: OdooRetryPolicy = OdooRetryPolicy(), session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, pool_size: int = 16) -> None:
        self.url = url.rstrip("/")
        self.endpoint = self.url + "/jsonrpc"
        self.db, self.login, self._password = db, login, password
        self.timeout = timeout
        self.retry = retry
        self.session = session or _session(pool_size)
        self._sleep = sleep
        self._uid: int | None = None
        self._auth_lock = threading.Lock()
        self._ids = itertools.count(1)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> OdooRpc:
        settings.require("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "ODOO_PASSWORD", why="to write to Odoo")
        return cls(settings.odoo_url, settings.odoo_db, settings.odoo_username, settings.odoo_password,
                   timeout=settings.erp_timeout, pool_size=max(16, settings.consumer_concurrency * 2), **kwargs)

    def version(self) -> dict[str, Any]:
        """``common.version``: the server's version (no credentials needed)."""
        version: dict[str, Any] = self._idempotent(lambda: self._call("common", "version", [], "common.version"))
        return version

    def authenticate(self) -> int:
        """``common.authenticate``: the uid, or ErpAuthError when Odoo answers ``false``."""
        args = [self.db, self.login, self._password, {}]
        uid = self._idempotent(lambda: self._call("common", "authenticate", args, "common.authenticate"))
        if uid is False or uid is None or uid == 0:
            raise ErpAuthError(f"Odoo refused the credentials of login {self.login!r} on database {self.db!r} "
                               "(check ODOO_USERNAME and ODOO_PASSWORD)")
        if not isinstance(uid, int) or isinstance(uid, bool):
            raise ErpRejected(f"common.authenticate answered {uid!r}, not a user id")
        return uid

    @property
    def uid(self) -> int:
        """The authenticated user id, authenticating once for all threads on first use."""
        with self._auth_lock:
            if self._uid is None:
                self._uid = self.authenticate()
                log.info("authenticated to Odoo %s, database %s, as %s (uid %s)", self.url, self.db, self.login,
                         self._uid)
            return self._uid

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
        """``object.execute_kw``; on AccessDenied, authenticate again once and repeat the call."""
        uid = self.uid
        try:
            return self._object_call(uid, model, method, args, kwargs)
        except ErpAuthError as exc:
            if exc.details.get("odoo_exception") != ACCESS_DENIED:
                raise
            uid = self._renew(uid)
        return self._object_call(uid, model, method, args, kwargs)

    def close(self) -> None:
        self.session.close()

    def _renew(self, stale: int) -> int:
        with self._auth_lock:
            if self._uid is None or self._uid == stale:
                log.warning("Odoo answered AccessDenied for uid %s; authenticating again", stale)
                self._uid = None
                self._uid = self.authenticate()
            return self._uid

    def _object_call(self, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None) -> Any:
        what = f"{model}.{method}"
        params = [self.db, uid, self._password, model, method, args, kwargs or {}]

        def call() -> Any:
            return self._call("object", "execute_kw", params, what)
        return self._idempotent(call) if method in READ_METHODS else call()

    def _idempotent(self, call: Callable[[], Any]) -> Any:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.retry.attempts),
            wait=tenacity.wait_exponential(multiplier=self.retry.first_wait, max=self.retry.max_wait),
            retry=tenacity.retry_if_exception(self._worth_retrying),
            reraise=True, sleep=self._sleep, before_sleep=_log_retry)
        return retrying(call)

    def _worth_retrying(self, exc: BaseException) -> bool:
        return isinstance(exc, ErpUnavailable) and (exc.retry_after or 0) <= self.retry.max_wait

    def _call(self, service: str, method: str, args: list[Any], what: str) -> Any:
        """One JSON-RPC round trip; every failure becomes an ErpError."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids),
                   "params": {"service": service, "method": method, "args": args}}
        response = self._post(payload, what)
        if response.status_code != 200:
            raise http_error(response.status_code, response.text, response.headers.get("Retry-After"), what)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not _json_rpc_answer(body):
            snippet = " ".join(response.text.split())[:SNIPPET]
            raise ErpUnavailable(f"Odoo answered {what} with a body that is not JSON-RPC: {snippet or 'empty'}",
                                 details={"call": what})
        if "error" in body:
            raise rpc_error(body["error"], what)
        return body.get("result")

    def _post(self, payload: dict[str, Any], what: str) -> requests.Response:
        try:
            return self.session.post(self.endpoint, json=payload, timeout=self.timeout)
        except requests.Timeout:
            raise ErpUnavailable(f"Odoo did not answer {what} within {self.timeout:g} s",
                                 details={"call": what}) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise ErpUnavailable(f"cannot reach Odoo at {self.url} ({what}): {type(exc).__name__}",
                                 details={"call": what}) from None
        except requests.RequestException as exc:
            raise ErpRejected(f"cannot send {what} to Odoo at {self.url}: {exc}", details={"call": what}) from None


def _json_rpc_answer(body: Any) -> bool:
    """A JSON-RPC 2.0 answer: ``result`` or ``error``, or neither when the method returned None."""
    if not isinstance(body, dict):
        return False
    return "result" in body or "error" in body or (body.get("jsonrpc") == "2.0" and "id" in body)


def _session(pool_size: int) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("retrying an Odoo read in %.2f s after: %s", state.next_action.sleep if state.next_action else 0,
                error)
