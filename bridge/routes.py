"""The receiver's Flask routes: probes, the Adobe I/O handshake, JSON error answers.

``POST /webhooks/magento`` and ``POST /webhooks/adobe-io`` are ``bridge.endpoints`` objects; the app serves
them through ``endpoints.FastPath`` before Flask, and the routes below delegate to the same objects (so the
Flask app alone answers identically, and Flask's router gives 405 for other methods on those paths).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from bridge.endpoints import ADOBE_IO_PATH, MAGENTO_PATH, Answer, NotificationEndpoint, log_refusal
from bridge.receiver import Intake
from bridge.rejection import RETRY_AFTER_SECONDS, Rejection

log = logging.getLogger(__name__)


def json_response(status: int, body: dict[str, Any], headers: Iterable[tuple[str, str]] = ()) -> Response:
    response = Response(json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json")
    for name, value in headers:
        response.headers[name] = value
    return response


def make_blueprint(intake_: Intake, endpoints: dict[str, NotificationEndpoint]) -> Blueprint:
    """The routes, closed over the receiver's long-lived parts (nothing is built per request)."""
    routes = Blueprint("receiver", __name__)
    _add_notification_routes(routes, endpoints)
    _add_adobe_io_challenge(routes)
    _add_probes(routes, intake_)
    return routes


def _add_notification_routes(routes: Blueprint, endpoints: dict[str, NotificationEndpoint]) -> None:
    def serve(endpoint: NotificationEndpoint) -> Response:
        answer: Answer = endpoint.answer(request.environ)
        return json_response(answer.status, answer.body, answer.headers)

    routes.add_url_rule(MAGENTO_PATH, "magento_webhook", lambda: serve(endpoints[MAGENTO_PATH]), methods=["POST"])
    routes.add_url_rule(ADOBE_IO_PATH, "adobe_io_event", lambda: serve(endpoints[ADOBE_IO_PATH]), methods=["POST"])


def _add_adobe_io_challenge(routes: Blueprint) -> None:
    @routes.get(ADOBE_IO_PATH)
    def adobe_io_challenge() -> Response:
        challenge = request.args.get("challenge")
        if not challenge:
            raise Rejection(400, "the Adobe I/O registration handshake needs ?challenge=<value>",
                            {"challenge": ["Missing query parameter."]})
        log.info("answered the Adobe I/O Events registration challenge")
        return json_response(200, {"challenge": challenge})


def _add_probes(routes: Blueprint, intake_: Intake) -> None:
    @routes.get("/healthz")
    def healthz() -> Response:
        return json_response(200, {"status": "alive"})

    @routes.get("/readyz")
    def readyz() -> Response:
        intake_.broker.start()
        problem = intake_.broker.health()
        if problem is not None:
            return json_response(503, {"error": f"not ready: {problem}", "details": {"broker": problem}},
                                 [("Retry-After", str(RETRY_AFTER_SECONDS))])
        body: dict[str, Any] = {"status": "ready"}
        store_problem = getattr(intake_.store, "health", lambda: None)()
        if store_problem is not None:  # duplicates pass meanwhile; the consumers' idempotency absorbs them
            body["degraded"] = {"duplicate_detection": store_problem}
        return json_response(200, body)


def register_error_handlers(app: Flask, *, debug_pid_header: bool) -> None:
    """Every refusal is JSON ``{"error", "details"}``; with ``debug_pid_header`` each answer names its worker."""

    @app.errorhandler(Rejection)
    def rejected(rejection: Rejection) -> Response:
        log_refusal(request.method, request.path, rejection)
        return json_response(rejection.status, rejection.body(), rejection.headers.items())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return json_response(error.code or 500, {"error": error.description or error.name, "details": {}})

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return json_response(500, {"error": "internal error; retry later", "details": {}})

    if debug_pid_header:
        @app.after_request
        def name_worker(response: Response) -> Response:
            response.headers["X-Receiver-Pid"] = str(os.getpid())
            return response
