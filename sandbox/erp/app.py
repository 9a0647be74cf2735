"""A stand-in for any HTTP ERP (docs/http-erp.md): an in-memory store (``sandbox.erp.store``) behind
``/{entity}/{key}``, with a change feed (``GET /changes``) and an outgoing signed webhook (``sandbox.erp.changes``).

Keys are read from the raw request URI, so ``bla%2Fkoe`` is the one key ``bla/koe`` (werkzeug decodes
``%2F`` before routing). Write counters per record prove "written exactly once"; ``/__sandbox/...``
injects latency, failing statuses and hangs. Thread-safe; tests run it in a thread (``SandboxThread``),
``bridgectl sandbox erp`` runs it as a process (``serve``).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException

from sandbox.erp import changes
from sandbox.erp.store import ENTITIES, ErpStore, Fault
from sandbox.erp.webhook import Webhook
from sandbox.serving import serve_until_interrupted, threaded_server

log = logging.getLogger(__name__)
EXTENSION = "erp_sandbox"
WEBHOOK = "erp_sandbox_webhook"


def create_app(token: str = "") -> Flask:
    """The sandbox ERP; requires ``Authorization: Bearer <token>`` when ``token`` is set."""
    app = Flask(__name__)
    store = ErpStore()
    webhook = Webhook()
    store.listeners.append(webhook)
    app.extensions[EXTENSION] = store
    app.extensions[WEBHOOK] = webhook
    _admin_routes(app, store)
    changes.admin_routes(app, store, webhook)

    @app.route("/", defaults={"_path": ""}, methods=["GET", "PUT", "DELETE"])
    @app.route("/<path:_path>", methods=["GET", "PUT", "DELETE"])
    def erp(_path: str) -> Response:
        try:
            segments = _raw_segments()
        except UnicodeDecodeError:
            return _error(400, "the path is not UTF-8 once percent-decoded")
        latency_ms = store.begin_call()
        if latency_ms:
            time.sleep(latency_ms / 1000)
        if token and not _bearer_ok(token):
            return _error(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        fault, released = store.take_fault(segments[0] if segments else None)
        if fault is not None:
            answer = _fault_answer(fault, released)
            if answer is not None:
                return answer
        return _record_call(store, segments)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return _error(exc.code or 500, exc.description or exc.name)

    return app


def store_of(app: Flask) -> ErpStore:
    """The store behind an app made by ``create_app``."""
    return app.extensions[EXTENSION]


def _raw_segments() -> list[str]:
    """The decoded path segments, split on the raw URI's ``/`` so that ``%2F`` stays inside a key."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    path = urlsplit(raw).path if "://" in raw.split("?", 1)[0] else raw.split("?", 1)[0]
    return [unquote(segment, errors="strict") for segment in path.split("/")[1:] if segment != ""]


def _record_call(store: ErpStore, segments: list[str]) -> Response:
    if segments == ["changes"] and request.method == "GET":
        answer, status = changes.feed(store, request.args)
        return _json(answer, status)
    if not segments or segments[0] not in ENTITIES or len(segments) > 2:
        return _error(404, "no such resource: use /{entity} or /{entity}/{key} with the key URL-encoded "
                           f"as one path segment; entities: {', '.join(ENTITIES)}")
    if len(segments) == 1:
        if request.method != "GET":
            return _error(405, f"{request.method} is not allowed on a list; use /{segments[0]}/{{key}}")
        return _listing(store, segments[0])
    entity, key = segments
    if request.method == "PUT":
        return _put(store, entity, key)
    if request.method == "DELETE":
        if store.delete(entity, key):
            return Response(status=204)
        return _error(404, f"no {entity} {key!r}")
    record = store.get(entity, key)
    if record is None:
        return _error(404, f"no {entity} {key!r}")
    return jsonify(_stock_record(record) if entity == "stock" else record)


def _stock_record(record: dict[str, Any]) -> dict[str, Any]:
    """A stock record as the contract's stock read has it: ``sku`` and the document's ``quantities`` (per
    location) or ``qty`` (one location) on top, beside the usual ``id``, ``entity``, ``key``, ``document``."""
    document = record["document"]
    quantity = {name: document[name] for name in ("quantities", "qty") if name in document}
    return {**record, "sku": record["key"], **quantity}


def _put(store: ErpStore, entity: str, key: str) -> Response:
    if request.mimetype != "application/json":
        return _error(415, f"Content-Type must be application/json, not {request.mimetype or 'absent'!r}")
    try:
        document = json.loads(request.get_data())
    except (UnicodeDecodeError, ValueError) as exc:
        return _error(422, f"the body is not JSON: {exc}")
    if not isinstance(document, dict):
        return _error(422, f"the body must be a JSON object, not {type(document).__name__}")
    record_id, created = store.put(entity, key, document)
    return _json({"id": record_id, "entity": entity, "key": key, "created": created}, 201 if created else 200)


def _listing(store: ErpStore, entity: str) -> Response:
    try:
        offset = int(request.args.get("offset", "0"))
        limit = int(request.args["limit"]) if "limit" in request.args else None
    except ValueError:
        return _error(400, "offset and limit must be whole numbers")
    if offset < 0 or (limit is not None and limit < 0):
        return _error(400, "offset and limit must be 0 or more")
    return jsonify(store.listing(entity, offset, limit))


def _bearer_ok(token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _fault_answer(fault: Fault, released: threading.Event) -> Response | None:
    """Hang and/or answer the fault's status; None lets the call through after a plain hang."""
    if fault.hang and released.wait(fault.hang):
        return _error(503, "the sandbox was reset while this call hung")
    if fault.status is None:
        return None
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.body is not None:
        return Response(fault.body, status=fault.status, headers=headers, mimetype="text/plain")
    return _error(fault.status, f"sandbox fault: answering {fault.status} as asked", headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _json({"error": message}, status, headers)


def _json(payload: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, headers=headers or {}, mimetype="application/json")


def _admin_routes(app: Flask, store: ErpStore) -> None:
    """``/__sandbox/...``: fault injection and counters for tests and demos (no token needed)."""

    @app.post("/__sandbox/latency")
    def latency() -> Response:
        body = _admin_body()
        milliseconds = _number(body, "ms", 0, 60_000)
        with store.lock:
            store.latency_ms = milliseconds
        return _json({"latency_ms": milliseconds}, 200)

    @app.post("/__sandbox/reset")
    def reset() -> Response:
        store.reset()
        app.extensions[WEBHOOK].reset()
        return _json({"reset": True}, 200)

    @app.get("/__sandbox/counters")
    def counters() -> Response:
        return jsonify(store.counters())

    _fault_routes(app, store)


def _fault_routes(app: Flask, store: ErpStore) -> None:
    """``/__sandbox/fail`` and ``/__sandbox/hang``: queue faults for the next calls."""

    @app.post("/__sandbox/fail")
    def fail() -> Response:
        body = _admin_body()
        status = int(_number(body, "status", 400, 599, whole=True, required=True))
        retry_after = body.get("retry_after")
        if retry_after is not None:
            retry_after = int(_number(body, "retry_after", 0, 86_400, whole=True))
        message = body.get("body")
        if message is not None and not isinstance(message, str):
            _bad("body must be a string (the exact answer text)")
        store.add_fault(Fault(times=_times(body), status=status, retry_after=retry_after, body=message,
                              entity=_entity(body)))
        return _json({"queued": "fail", "status": status, "times": _times(body)}, 200)

    @app.post("/__sandbox/hang")
    def hang() -> Response:
        body = _admin_body()
        seconds = _number(body, "seconds", 0.001, 600, required=True)
        store.add_fault(Fault(times=_times(body), hang=seconds, entity=_entity(body)))
        return _json({"queued": "hang", "seconds": seconds, "times": _times(body)}, 200)


def _admin_body() -> dict[str, Any]:
    body = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(body, dict):
        _bad("the body must be a JSON object")
    return body


def _bad(message: str) -> None:
    raise BadRequest(message)


def _number(body: dict[str, Any], name: str, low: float, high: float, *, whole: bool = False,
            required: bool = False) -> float:
    value = body.get(name)
    if value is None and not required:
        return 0
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        _bad(f"{name} must be {'a whole number' if whole else 'a number'} from {low:g} to {high:g}")
    return value


def _times(body: dict[str, Any]) -> int:
    return int(_number(body, "times", 1, 1_000_000, whole=True)) if "times" in body else 1


def _entity(body: dict[str, Any]) -> str | None:
    entity = body.get("entity")
    if entity is not None and entity not in ENTITIES:
        _bad(f"entity must be one of {', '.join(ENTITIES)}")
    return entity


class SandboxThread:
    """The sandbox served from a daemon thread (tests, benchmarks); a context manager."""

    def __init__(self, token: str = "", host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = create_app(token)
        self.store = store_of(self.app)
        self.webhook: Webhook = self.app.extensions[WEBHOOK]
        self.server = threaded_server(self.app, host, port)
        self.url = f"http://{host}:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="erp-sandbox", daemon=True)

    def __enter__(self) -> SandboxThread:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.store.reset()  # releases hanging calls
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve(host: str, port: int, token: str = "") -> None:
    """Run the sandbox until interrupted (``bridgectl sandbox erp``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = threaded_server(create_app(token), host, port)
    log.info("ERP sandbox listening on http://%s:%d (bearer token %s)", host, server.port,
             "required" if token else "not required")
    serve_until_interrupted(server)
