"""The receiver's HTTP endpoints (Flask): read the body under a cap, authenticate, parse, accept.

Order of checks on a POST, the same on both endpoints: 413 (declared or actual body size, before anything
is parsed), 401 (signature or token over the raw body), 415 (content type), 400 (JSON and schema),
422 (Adobe event type or record key), then duplicate (200) or publish (202, or 503 from the broker).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from bridge import adobe_io, intake
from bridge.receiver import Intake
from bridge.rejection import RETRY_AFTER_SECONDS, Rejection, unauthenticated
from bridge.signatures import AdobeSignatureVerifier, BearerTokens, SignatureError, StandardWebhooksVerifier

log = logging.getLogger(__name__)
_READ_CHUNK = 65536


class Authenticators:
    """Every way a sender can prove who it is, built once at start-up."""

    def __init__(self, webhooks: StandardWebhooksVerifier, tokens: BearerTokens,
                 adobe: AdobeSignatureVerifier) -> None:
        self.webhooks = webhooks
        self.tokens = tokens
        self.adobe = adobe

    def check_magento(self, headers: Any, body: bytes) -> None:
        """A Standard Webhooks signature when one is sent, else a bearer token; 401 otherwise."""
        try:
            if headers.get("webhook-signature") is not None:
                self.webhooks.verify(headers.get("webhook-id"), headers.get("webhook-timestamp"),
                                     headers.get("webhook-signature"), body)
            elif headers.get("Authorization") is not None:
                self.tokens.verify(headers["Authorization"])
            else:
                raise SignatureError("no webhook-signature header and no Authorization: Bearer token")
        except SignatureError as exc:
            raise unauthenticated(str(exc)) from None

    def check_adobe(self, headers: Any, body: bytes) -> None:
        try:
            self.adobe.verify(body, [headers.get("x-adobe-digital-signature-1"),
                                     headers.get("x-adobe-digital-signature-2")])
        except SignatureError as exc:
            raise unauthenticated(str(exc)) from None


def read_body(max_bytes: int) -> bytes:
    """The raw body, refusing (413) a declared or actual size over ``max_bytes``, chunked bodies included."""
    declared = request.content_length
    if declared is not None:
        if declared > max_bytes:
            raise _too_large(max_bytes)
        return request.environ["wsgi.input"].read(declared)  # the server stops at Content-Length
    stream = request.stream  # no Content-Length: chunked; werkzeug hands over the server's own stream
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)


def _too_large(max_bytes: int) -> Rejection:
    return Rejection(413, f"the body is larger than {max_bytes} bytes (MAX_BODY_BYTES)",
                     {"max_bytes": max_bytes}, headers={"Connection": "close"})


def json_response(status: int, body: dict[str, Any], headers: Iterable[tuple[str, str]] = ()) -> Response:
    response = Response(json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json")
    for name, value in headers:
        response.headers[name] = value
    return response


def make_blueprint(intake_: Intake, auth: Authenticators, *, max_body_bytes: int) -> Blueprint:
    """The endpoints, closed over the receiver's long-lived parts (nothing is built per request)."""
    routes = Blueprint("receiver", __name__)
    _add_webhooks(routes, intake_, auth, max_body_bytes)
    _add_adobe_io(routes, intake_, auth, max_body_bytes)
    _add_probes(routes, intake_)
    return routes


def _add_webhooks(routes: Blueprint, intake_: Intake, auth: Authenticators, max_body_bytes: int) -> None:
    @routes.post("/webhooks/magento")
    def magento_webhook() -> Response:
        body = read_body(max_body_bytes)
        auth.check_magento(request.headers, body)
        intake.require_json(request.mimetype)
        notification = intake.notification_from_webhook(intake.parse_json(body))
        outcome = intake_.accept([notification])
        return json_response(outcome.status, outcome.body(batch=False))


def _add_adobe_io(routes: Blueprint, intake_: Intake, auth: Authenticators, max_body_bytes: int) -> None:
    @routes.post("/webhooks/adobe-io")
    def adobe_io_event() -> Response:
        body = read_body(max_body_bytes)
        auth.check_adobe(request.headers, body)
        intake.require_json(request.mimetype)
        payload = intake.parse_json(body)
        outcome = intake_.accept(adobe_io.notifications_from_delivery(payload))
        return json_response(outcome.status, outcome.body(batch=isinstance(payload, list)))

    @routes.get("/webhooks/adobe-io")
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
        if intake_.broker.ready:
            return json_response(200, {"status": "ready"})
        return json_response(503, {"error": "the broker is not connected", "details": {}},
                             [("Retry-After", str(RETRY_AFTER_SECONDS))])


def register_error_handlers(app: Flask, *, debug_pid_header: bool) -> None:
    """Every refusal is JSON ``{"error", "details"}``; with ``debug_pid_header`` each answer names its worker."""

    @app.errorhandler(Rejection)
    def rejected(rejection: Rejection) -> Response:
        if rejection.status < 500:
            log.info("refused %s %s: %d %s", request.method, request.path, rejection.status, rejection.error)
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
