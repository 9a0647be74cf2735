"""Odoo 17/18 external API stand-in: JSON-RPC at ``/jsonrpc`` over an in-memory ORM, with fault injection.

``bridgectl sandbox odoo --port N`` runs ``serve``; tests run ``create_app`` in a thread with
``ServerThread``. Admin endpoints under ``/__sandbox/`` (documented in docs/odoo.md) set faults, reset
the data, count calls and dump a model's records.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer

from sandbox.odoo import (  # noqa: F401  (register the models)
    account,
    backorder,
    base,
    currency,
    modules,
    picking,
    precision,
    sale,
    stock,
    tax,
    uom,
    users,
)
from sandbox.odoo.errors import InjectedError, server_error
from sandbox.odoo.faults import Fault, Faults
from sandbox.odoo.orm import DEFAULT_MODULES, Database, Env
from sandbox.odoo.seed import seed
from sandbox.odoo.service import OdooService
from sandbox.odoo.webhooks import Webhooks
from sandbox.serving import serve_until_interrupted, threaded_server

log = logging.getLogger(__name__)
UNAVAILABLE_PAGE = ("<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request."
                    "</body></html>")


class Sandbox:
    """Everything one sandbox holds: the database, the services answering RPC, and the fault plan."""

    def __init__(self, db: str, login: str, password: str, version: int = 17, modules: tuple[str, ...] = (),
                 currencies: tuple[str, ...] = ()) -> None:
        self.modules = DEFAULT_MODULES | set(modules)
        self.database = Database(version=version, modules=self.modules)
        self.faults = Faults()
        self.webhooks = Webhooks()
        self.service = OdooService(self.database, db, login, password, self.faults, self.webhooks)
        self.login = login
        self.currencies = tuple(currencies)
        self.reset()

    def reset(self) -> None:
        with self.database.lock:
            self.database.clear()
            self.database.modules = frozenset(self.modules)
            seed(self.database, self.login, self.currencies)
        self.faults.clear()
        self.webhooks.clear()
        self.service.reset_calls()

    def records(self, model: str, fields: list[str] | None) -> list[dict]:
        """Every record of ``model``, archived ones included, in id order."""
        with self.database.transaction():
            records = Env(self.database).with_context(active_test=False)[model]
            return records.read(records.search([], order="id"), fields)


def create_app(db: str = "bridge", login: str = "admin", password: str = "admin", version: int = 17,
               modules: tuple[str, ...] = (), currencies: tuple[str, ...] = ()) -> Flask:
    """The sandbox as a Flask app accepting database ``db``, user ``login`` and ``password`` (or API key).

    ``version`` is the Odoo version served (17 or 18: field names and ``server_version_info``); ``modules``
    are installed on top of the default ones (e.g. ``stock_delivery``); ``currencies`` are activated in the
    seed as a user would (e.g. ``EUR``, which also creates the "Default USD pricelist").
    """
    sandbox = Sandbox(db, login, password, version, modules, currencies)
    app = Flask(__name__)
    app.extensions["odoo_sandbox"] = sandbox

    @app.post("/jsonrpc")
    def jsonrpc() -> Response:
        fault = sandbox.faults.take()
        if fault.latency:
            time.sleep(fault.latency)
        if fault.action in ("unavailable", "status", "drop"):
            return _http_fault(fault)
        return _answer_rpc(sandbox, fault)

    _admin_routes(app, sandbox)
    return app


def _http_fault(fault: Fault) -> Response:
    """What a proxy in front of a failing Odoo answers, or a connection closed without an answer."""
    if fault.action == "drop":
        _drop_connection()
        return Response(status=500)
    if fault.action == "unavailable":
        return Response(UNAVAILABLE_PAGE, status=503, mimetype="text/html")
    response = Response(f"<html><body><h1>{fault.status}</h1></body></html>", status=fault.status,
                        mimetype="text/html")
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response


def _drop_connection() -> None:
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)


def _answer_rpc(sandbox: Sandbox, fault: Fault) -> Response:
    try:
        payload = json.loads(request.get_data() or b"null")
    except ValueError:
        return Response("Invalid JSON data", status=400, mimetype="text/plain")
    if not isinstance(payload, dict):
        return Response("Invalid JSON-RPC data", status=400, mimetype="text/plain")
    request_id = payload.get("id")
    params = payload.get("params") if isinstance(payload.get("params"), dict) else {}
    try:
        if fault.action == "error":
            raise InjectedError(fault.error_name, fault.error_message)
        route = RPC(sandbox.service)
        result = route.jsonrpc(**{key: params[key] for key in ("service", "method", "args") if key in params})
    except Exception as exc:
        log.debug("odoo sandbox call failed: %s", exc)
        return _json({"jsonrpc": "2.0", "id": request_id, "error": server_error(exc)})
    if result is None:  # Odoo's JsonRPCDispatcher leaves "result" out when a method returns None
        return _json({"jsonrpc": "2.0", "id": request_id})
    return _json({"jsonrpc": "2.0", "id": request_id, "result": result})


class RPC:
    """Odoo's ``/jsonrpc`` controller: its signature gives the same TypeError for missing params."""

    def __init__(self, service: OdooService) -> None:
        self.service = service

    def jsonrpc(self, service: str, method: str, args: list) -> Any:
        return self.service.dispatch(service, method, args)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _admin_routes(app: Flask, sandbox: Sandbox) -> None:
    @app.get("/__sandbox/health")
    def health() -> Response:
        return _json({"ok": True, "server_version": f"{sandbox.database.version}.0",
                      "modules": sorted(sandbox.database.modules)})

    @app.route("/__sandbox/faults", methods=["GET", "POST", "DELETE"])
    def faults() -> Response:
        if request.method == "GET":
            return _json(sandbox.faults.snapshot())
        if request.method == "DELETE":
            return _json(sandbox.faults.clear())
        try:
            return _json(sandbox.faults.configure(request.get_json(silent=True)))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)

    @app.route("/__sandbox/webhooks", methods=["GET", "POST", "DELETE"])
    def webhooks() -> Response:
        if request.method == "GET":
            return _json(sandbox.webhooks.snapshot())
        if request.method == "DELETE":
            return _json(sandbox.webhooks.clear())
        try:
            return _json(sandbox.webhooks.add(request.get_json(silent=True), Env(sandbox.database)))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)

    @app.post("/__sandbox/reset")
    def reset() -> Response:
        sandbox.reset()
        return _json({"ok": True})

    @app.route("/__sandbox/calls", methods=["GET", "DELETE"])
    def calls() -> Response:
        if request.method == "DELETE":
            sandbox.service.reset_calls()
        return _json(sandbox.service.calls())

    @app.get("/__sandbox/records/<model>")
    def records(model: str) -> Response:
        if model not in sandbox.database.registry:
            return _json({"error": f"unknown model {model!r}"}, 404)
        fields = [name for name in request.args.get("fields", "").split(",") if name] or None
        try:
            return _json({"model": model, "records": sandbox.records(model, fields)})
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)


class ServerThread:
    """A sandbox app served by werkzeug's threaded server in a background thread (for tests and demos)."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server: BaseWSGIServer = threaded_server(app, host, port)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="odoo-sandbox", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.server_port}"

    def start(self) -> ServerThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve(host: str, port: int, db: str, login: str, password: str, version: int = 17,
          modules: tuple[str, ...] = (), currencies: tuple[str, ...] = ()) -> None:
    """Run the sandbox until interrupted (``bridgectl sandbox odoo``)."""
    app = create_app(db=db, login=login, password=password, version=version, modules=modules,
                     currencies=currencies)
    server = threaded_server(app, host, port)
    print(f"odoo sandbox: Odoo {version} JSON-RPC on http://{host}:{port}/jsonrpc (database {db!r}, "
          f"login {login!r})", flush=True)
    serve_until_interrupted(server)
