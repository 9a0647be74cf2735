"""The two notification endpoints on a bare WSGI environ, and the fast path that serves them without Flask.

Order of checks on both POST endpoints: 413 (declared or actual body size, before anything is parsed),
401 (signature or token over the raw body), 415 (content type), 400 (JSON and schema), 422 (Adobe event
type or record key), then duplicate (200) or publish (202, or 503 from the broker).

Flask's request and response objects, routing and error handlers cost more CPU per request than the
whole notification check, so ``FastPath`` answers ``POST /webhooks/magento`` and ``POST /webhooks/adobe-io``
itself, with the same answers, headers and log lines as the Flask routes (``bridge.routes``), which serve
everything else (probes, the Adobe handshake, 404 and 405).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from werkzeug.datastructures import EnvironHeaders
from werkzeug.http import HTTP_STATUS_CODES, parse_options_header
from werkzeug.wsgi import get_content_length, get_input_stream

from bridge import adobe_io, parse
from bridge.receiver import Intake
from bridge.rejection import Rejection, unauthenticated
from bridge.signatures import AdobeSignatureVerifier, BearerTokens, SignatureError, StandardWebhooksVerifier
from schemas.notification import Notification

log = logging.getLogger(__name__)
_READ_CHUNK = 65536
MAGENTO_PATH = "/webhooks/magento"
ADOBE_IO_PATH = "/webhooks/adobe-io"


@dataclasses.dataclass(frozen=True)
class Answer:
    """A JSON answer: status, body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def refusal(cls, rejection: Rejection) -> Answer:
        return cls(rejection.status, rejection.body(), tuple(rejection.headers.items()))

    def encoded(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":")).encode()


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


def read_body(environ: dict[str, Any], max_bytes: int) -> bytes:
    """The raw body, refusing (413) a declared or actual size over ``max_bytes``, chunked bodies included."""
    declared = get_content_length(environ)
    if declared is not None:
        if declared > max_bytes:
            raise _too_large(max_bytes)
        return _read(environ["wsgi.input"], declared)  # the server stops at Content-Length
    stream = get_input_stream(environ)  # chunked: the server's own stream when it terminates it, else empty
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = _read(stream, min(_READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)


def _read(stream: Any, size: int) -> bytes:
    """One read of the client's body; a body the server cannot read (malformed chunking, a client that
    stopped sending or was too slow) is the client's fault: 400, or 408 when it was too slow.

    The WSGI server reports those as its own exception classes (gunicorn's parse errors, IOErrors and
    ``bridge.worker.RequestReadTimeout``; werkzeug's ``ClientDisconnected``), so any exception of this one
    read is taken as the client's body being unreadable.
    """
    try:
        return stream.read(size)
    except Exception as exc:  # noqa: BLE001 - see the docstring: only the client's bytes are read here
        if isinstance(exc, TimeoutError):
            raise Rejection(408, "the body did not arrive in time", {"body": [str(exc)]},
                            headers={"Connection": "close"}) from None
        raise Rejection(400, "the body could not be read", {"body": [f"{type(exc).__name__}: {exc}"[:200]]},
                        headers={"Connection": "close"}) from None


def _too_large(max_bytes: int) -> Rejection:
    return Rejection(413, f"the body is larger than {max_bytes} bytes (MAX_BODY_BYTES)",
                     {"max_bytes": max_bytes}, headers={"Connection": "close"})


def mimetype(environ: dict[str, Any]) -> str:
    """The Content-Type without parameters, lower case (as Flask's ``request.mimetype``)."""
    return parse_options_header(environ.get("CONTENT_TYPE", ""))[0].lower()


class NotificationEndpoint:
    """One POST endpoint: body under the cap, sender authenticated, JSON parsed into notifications, accepted."""

    def __init__(self, intake_: Intake, authenticate: Callable[[Any, bytes], None],
                 notifications_from: Callable[[Any], Sequence[Notification]], *, max_body_bytes: int) -> None:
        self._intake = intake_
        self._authenticate = authenticate
        self._notifications_from = notifications_from
        self._max_body_bytes = max_body_bytes

    def answer(self, environ: dict[str, Any]) -> Answer:
        """The answer to one request; a refusal is raised as a Rejection."""
        body = read_body(environ, self._max_body_bytes)
        self._authenticate(EnvironHeaders(environ), body)
        parse.require_json(mimetype(environ))
        payload = parse.parse_json(body)
        outcome = self._intake.accept(self._notifications_from(payload))
        return Answer(outcome.status, outcome.body(batch=isinstance(payload, list)))


def magento_endpoint(intake_: Intake, auth: Authenticators, max_body_bytes: int) -> NotificationEndpoint:
    """``POST /webhooks/magento``: the bridge's own format, one notification per request."""
    return NotificationEndpoint(intake_, auth.check_magento,
                                lambda payload: [parse.notification_from_webhook(payload)],
                                max_body_bytes=max_body_bytes)


def adobe_io_endpoint(intake_: Intake, auth: Authenticators, max_body_bytes: int,
                      client_id: str = "") -> NotificationEndpoint:
    """``POST /webhooks/adobe-io``: one CloudEvent or a batch of them (for ``client_id`` only, when set)."""
    return NotificationEndpoint(intake_, auth.check_adobe,
                                lambda payload: adobe_io.notifications_from_delivery(payload, client_id),
                                max_body_bytes=max_body_bytes)


def log_refusal(method: str, path: str, rejection: Rejection) -> None:
    """One INFO line per refused request (a 503 is logged where the broker failure is known)."""
    if rejection.status < 500:
        log.info("refused %s %s: %d %s", method, path, rejection.status, rejection.error)


class FastPath:
    """WSGI middleware: the POST endpoints answered directly, every other request passed to ``app``."""

    def __init__(self, app: Callable[..., Iterable[bytes]], endpoints: dict[str, NotificationEndpoint], *,
                 debug_pid_header: bool) -> None:
        self._app = app
        self._endpoints = endpoints
        self._debug_pid_header = debug_pid_header

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        endpoint = self._endpoints.get(environ.get("PATH_INFO", ""))
        if endpoint is None or environ.get("REQUEST_METHOD") != "POST":
            return self._app(environ, start_response)
        answer = self._answer(endpoint, environ)
        payload = answer.encoded()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                   *answer.headers]
        if self._debug_pid_header:
            headers.append(("X-Receiver-Pid", str(os.getpid())))
        start_response(f"{answer.status} {HTTP_STATUS_CODES.get(answer.status, 'UNKNOWN').upper()}", headers)
        return [payload]

    def _answer(self, endpoint: NotificationEndpoint, environ: dict[str, Any]) -> Answer:
        try:
            return endpoint.answer(environ)
        except Rejection as rejection:
            log_refusal("POST", environ.get("PATH_INFO", ""), rejection)
            return Answer.refusal(rejection)
        except Exception:
            log.exception("unexpected error on POST %s", environ.get("PATH_INFO", ""))
            return Answer(500, {"error": "internal error; retry later", "details": {}})
