"""One REST call, start to end: faults, route, module switch, auth, handler under the store lock, feed, log.

Order of checks, as a real store behind a proxy answers: injected latency and proxy faults first (hang,
dropped connection, 5xx, 429), then Magento's router (404 ``Request does not match any route.``, also
for a disabled module), then the ACL (401), then the service (400/404 with Magento's wording).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sandbox.magento import auth as magento_auth
from sandbox.magento.faults import Faults, error_response, rate_limited_response
from sandbox.magento.feed import Feed
from sandbox.magento.http import (
    INTERNAL_ERROR,
    Call,
    MagentoHttpError,
    invalid_value,
    not_authorized,
    raw_path,
    route_missing,
    segments,
)
from sandbox.magento.projection import parse_fields, project
from sandbox.magento.routes import Route, find_route, split_store
from sandbox.magento.seeding import load as load_seed
from sandbox.magento.store import Store

if TYPE_CHECKING:
    from werkzeug.datastructures import Headers

log = logging.getLogger("sandbox.magento.app")
JSON = "application/json; charset=utf-8"
Response = tuple[int, dict[str, str], bytes]


@dataclasses.dataclass(frozen=True)
class Incoming:
    """One REST request as the pipeline sees it: ``parts`` are the decoded segments from ``V1`` on."""

    environ: Mapping[str, Any]
    method: str
    query: list[tuple[str, str]]
    body: bytes
    headers: Mapping[str, str] | Headers
    parts: list[str]
    store_code: str
    url: str

    @property
    def route_path(self) -> str:
        return "/" + "/".join(self.parts)


class Sandbox:
    """The sandbox's state: store, faults, feed, token and request log; ``handle`` answers a REST call."""

    def __init__(self, token: str, store: Store, faults: Faults, feed: Feed, *, stores: tuple[str, ...],
                 sleep: Callable[[float], None], oauth: magento_auth.OAuthKeys | None, log_limit: int) -> None:
        self.token, self.store, self.faults, self.feed = token, store, faults, feed
        self.initial_token = token
        self.stores, self.sleep, self.oauth = stores, sleep, oauth
        self._log_lock = threading.Lock()
        self._log: collections.deque[dict[str, Any]] = collections.deque(maxlen=log_limit)
        self._sequence = 0

    def handle(self, environ: Mapping[str, Any], method: str, query: list[tuple[str, str]], body: bytes,
               headers: Mapping[str, str] | Headers, url_root: str) -> Response:
        path, query_string = raw_path(environ), environ.get("QUERY_STRING", "")
        split = split_store(segments(path), self.stores)
        store_code, parts = split if split else ("default", [])
        incoming = Incoming(environ, method, query, body, headers, parts, store_code,
                            url_root + path + (f"?{query_string}" if query_string else ""))
        entry = {"method": method, "path": path, "query": query_string, "store": store_code, "route": None,
                 "fault": None}
        started = time.perf_counter()
        response = self._answer(incoming, entry)
        entry.update(status=response[0], duration_ms=round((time.perf_counter() - started) * 1000, 3))
        self._record(entry)
        return response

    def _answer(self, incoming: Incoming, entry: dict[str, Any]) -> Response:
        store = self.store  # the store the call arrived at: a reset during an injected hang does not receive it
        delay = self.faults.latency_for(incoming.route_path)
        if delay:
            self.sleep(delay)
        injected = self._inject(incoming, entry)
        if injected is not None:
            return injected
        found = find_route(incoming.method, incoming.parts) if incoming.parts else None
        if found is None or self.faults.module_disabled(found[0].module):
            return error(route_missing())
        route, params = found
        entry["route"] = f"{route.method} {route.path}"
        if route.resource != "anonymous" and not self._authorized(incoming):
            return error(not_authorized(route.resource))
        return self._run(route, Call(store, params, incoming.query, incoming.body, incoming.store_code))

    def _inject(self, incoming: Incoming, entry: dict[str, Any]) -> Response | None:
        taken = self.faults.take(incoming.route_path)
        if taken is None:
            return None
        fault, served = taken
        entry["fault"] = fault.kind
        if fault.kind == "timeout":
            self.sleep(fault.seconds)
            return None
        if fault.kind == "drop":
            return drop_connection(incoming.environ)
        if fault.kind == "error":
            return error_response(fault, served)
        return rate_limited_response(fault)

    def _authorized(self, incoming: Incoming) -> bool:
        if self.faults.token_revoked:
            return False
        header = incoming.headers.get("Authorization", "")
        return magento_auth.bearer_ok(header, self.token) or magento_auth.oauth_ok(
            header, self.token, self.oauth, incoming.method, incoming.url, incoming.headers.get("Content-Type"),
            incoming.body)

    def _run(self, route: Route, call: Call) -> Response:
        projection = None
        fields = call.arg("fields")
        try:
            projection = parse_fields(fields) if fields else None
        except ValueError:
            return error(invalid_value(fields, "fields"))
        with call.store.lock:
            try:
                result = route.handler(call)
                payload = json.dumps(project(result, projection), ensure_ascii=False, separators=(",", ":"))
                changes = call.store.drain_changes()
            except MagentoHttpError as exc:
                call.store.drain_changes()
                return error(exc)
            except Exception:  # a sandbox bug: answer like Magento's masked exception, keep the traceback
                call.store.drain_changes()
                log.exception("sandbox handler %s %s failed", route.method, route.path)
                return 500, {"Content-Type": JSON}, json.dumps({"message": INTERNAL_ERROR.format(
                    report="sandbox")}).encode()
        if changes:
            self.feed.emit(changes)
        return 200, {"Content-Type": JSON}, payload.encode()

    def reset(self, seed: str) -> None:
        """Reload ``seed`` and clear faults, the original token, the feed and the request log."""
        fresh = Store(self.store.clock)
        load_seed(fresh, seed)
        for setting in ("input_limit_enabled", "input_limit", "reject_unknown_skus"):  # configuration, not data
            setattr(fresh.inventory, setting, getattr(self.store.inventory, setting))
        with self.store.lock:
            self.store = fresh
        self.faults.clear()
        self.feed.reset()
        self.token = self.initial_token
        self.clear_requests()
        log.info("sandbox reset to the %s seed", seed)

    def _record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            self._sequence += 1
            entry["seq"] = self._sequence
            self._log.append(entry)

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        """REST calls answered so far (newest last), those with ``seq`` greater than ``since``."""
        with self._log_lock:
            return [dict(entry) for entry in self._log if entry["seq"] > since]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()


def error(exc: MagentoHttpError) -> Response:
    headers = {"Content-Type": JSON, **exc.headers}
    return exc.status, headers, json.dumps(exc.body(), ensure_ascii=False, separators=(",", ":")).encode()


def drop_connection(environ: Mapping[str, Any]) -> Response:
    """Shut the client's socket without answering (the server's write then fails quietly)."""
    sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
    if sock is None:
        raise ConnectionAbortedError("the sandbox can drop a connection only when served over a socket")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return 499, {"Content-Type": "text/plain"}, b""
