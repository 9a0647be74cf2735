"""The ERP's webhooks: ``POST /webhooks/erp/odoo/<token>`` (Odoo's automation rules) and ``POST /webhooks/erp``
(an HTTP ERP, Standard Webhooks signatures). Both turn a change into a ``Notification(origin="erp")`` that the
receiver's Intake publishes (answering 202 only once the broker confirmed it; a repeated event id is 200).

Odoo 17's "Send Webhook Notification" posts ``{"_model", "_id", "_action", ...selected fields}`` with no
signature, so the URL carries a token (ERP_WEBHOOK_TOKENS, several for rotation), compared in constant time
with every configured one. The notification is a hint keyed by Odoo's record id (``key_type``
``odoo:stock.quant``, ``odoo:stock.move``, ``odoo:product.product``); the consumer resolves it to the SKU and
reads the current state. Order of checks: 413, 401, 415, 400, 422. The token never appears in a log line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.datastructures import EnvironHeaders

from bridge import parse
from bridge.endpoints import Answer, log_refusal, mimetype, read_body
from bridge.receiver import Intake
from bridge.rejection import Rejection, unauthenticated
from bridge.routes import json_response
from bridge.signatures import SignatureError, StandardWebhooksVerifier
from core import parsing
from core.entities import ERP, ERP_ENTITIES, ODOO_KEY_TYPES
from schemas.notification import MAX_ID_BYTES, Notification

log = logging.getLogger(__name__)
ODOO_PATH = "/webhooks/erp/odoo"
ODOO_SHOWN_PATH = "/webhooks/erp/odoo/<token>"
ERP_PATH = "/webhooks/erp"
ORIGIN, SOURCE = ERP, "erp-webhook"
SYNCED_FROM_ERP: tuple[str, ...] = ERP_ENTITIES  # entities the ERP -> Magento direction syncs


class UrlTokens:
    """The tokens accepted in the Odoo webhook's URL; each check compares with every one, in constant time."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._tokens = tuple(token.encode() for token in tokens)

    def verify(self, token: str | None) -> None:
        if not self._tokens:
            raise SignatureError("Odoo webhooks are not accepted: ERP_WEBHOOK_TOKENS is not set")
        if not token:
            raise SignatureError("the URL carries no token: /webhooks/erp/odoo/<token>")
        offered = token.encode("utf-8", "replace")
        matches = [hmac.compare_digest(offered, known) for known in self._tokens]  # every one, no short cut
        if not any(matches):
            raise SignatureError("unknown token")


# ---- bodies to notifications (pure) -----------------------------------------------------------
def odoo_notification(payload: Any, received_at: dt.datetime) -> Notification:
    """The stock notification of an Odoo automation webhook body; 400 when it is not one, 422 for a model
    the bridge does not watch. Its ``occurred_at`` is ``received_at``: Odoo sends the hint before its commit,
    from a transaction whose ``write_date`` (its start) may be long past, and the consumer's one extra look
    for a hint that finds nothing new yet is timed from the hint's arrival."""
    if not isinstance(payload, dict):
        raise Rejection(400, "the Odoo webhook body must be a JSON object", {"body": ["Must be an object."]})
    model, record_id = payload.get("_model"), payload.get("_id")
    if not isinstance(model, str) or not model:
        raise Rejection(400, "the Odoo webhook body has no _model", {"_model": ["Missing data for required field."]})
    if model not in ODOO_KEY_TYPES:
        known = ", ".join(ODOO_KEY_TYPES)
        raise Rejection(422, f"Odoo model {model!r} is not synced: set the automation rule on {known}",
                        {"_model": [f"Must be one of: {known}."]})
    if isinstance(record_id, bool) or not isinstance(record_id, int) or record_id <= 0:
        raise Rejection(400, "the Odoo webhook body has no record id", {"_id": ["Must be a positive whole number."]})
    stamp = _digits(payload.get("write_date"))
    suffix = stamp or uuid.uuid4().hex  # without write_date each hint is its own event
    return Notification(id=f"odoo-{model}-{record_id}-{suffix}", entity="stock", action="save", key=str(record_id),
                        occurred_at=parsing.iso(received_at), source=SOURCE,
                        key_type=ODOO_KEY_TYPES[model], origin=ORIGIN)


def erp_notification(payload: Any) -> Notification:
    """The notification of an HTTP ERP webhook ``{"id", "entity", "action", "key", "occurred_at"}`` (400 if
    it is not one); its event id is the ERP's prefixed ``erp-``, apart from Magento's."""
    note = parse.notification_from_webhook(payload)
    identifier = f"erp-{note.id}"
    if len(identifier.encode("utf-8")) > MAX_ID_BYTES:
        identifier = "erp-sha256-" + hashlib.sha256(note.id.encode("utf-8")).hexdigest()
    return dataclasses.replace(note, id=identifier, source=SOURCE, origin=ORIGIN)


def _digits(write_date: Any) -> str:
    """``2026-12-06 05:00:00.123456`` -> ``20261206050000123456``; empty when absent or not a date."""
    if not isinstance(write_date, str):
        return ""
    digits = "".join(char for char in write_date if char.isascii() and char.isdigit())
    return digits[:20] if len(digits) >= 14 else ""

    try:
        return parsing.iso(dt.datetime.fromisoformat(write_date).replace(tzinfo=dt.UTC))
    except ValueError:
        return None


# ---- the endpoints ---------------------------------------------------------------------------
class ErpWebhooks:
    """Both ERP endpoints, built once at start-up."""

    def __init__(self, intake: Intake, tokens: UrlTokens, verifier: StandardWebhooksVerifier,
                 max_body_bytes: int) -> None:
        self.intake, self.tokens, self.verifier = intake, tokens, verifier
        self.max_body_bytes = max_body_bytes

    def odoo(self, environ: dict[str, Any], token: str | None) -> Answer:
        body = read_body(environ, self.max_body_bytes)
        try:
            self.tokens.verify(token)
        except SignatureError as exc:
            raise unauthenticated(str(exc)) from None
        parse.require_json(mimetype(environ))
        note = odoo_notification(parse.parse_json(body), parsing.utc_now())
        return self._accepted(note)

    def erp(self, environ: dict[str, Any]) -> Answer:
        body = read_body(environ, self.max_body_bytes)
        headers = EnvironHeaders(environ)
        try:
            if not self.verifier.configured:
                raise SignatureError("signed ERP notifications are not accepted: ERP_WEBHOOK_SECRETS is not set")
            self.verifier.verify(headers.get("webhook-id"), headers.get("webhook-timestamp"),
                                 headers.get("webhook-signature"), body)
        except SignatureError as exc:
            raise unauthenticated(str(exc)) from None
        parse.require_json(mimetype(environ))
        note = erp_notification(parse.parse_json(body))
        if note.entity not in SYNCED_FROM_ERP:
            log.info("ERP webhook %s for %s %r skipped: %s is not yet synced from the ERP to Magento", note.id,
                     note.entity, note.key, note.entity)
            return Answer(200, {"skipped": note.id, "reason": f"{note.entity} is not yet synced from the ERP"})
        return self._accepted(note)

    def _accepted(self, note: Notification) -> Answer:
        outcome = self.intake.accept([note])
        return Answer(outcome.status, outcome.body(batch=False))


def erp_blueprint(webhooks: ErpWebhooks) -> Blueprint:
    """The ERP webhook routes; a refusal on the Odoo path is answered here so the token is never logged."""
    routes = Blueprint("erp_webhooks", __name__)

    def odoo(token: str | None = None) -> Response:
        try:
            return _response(webhooks.odoo(request.environ, token))
        except Rejection as rejection:
            log_refusal("POST", ODOO_SHOWN_PATH, rejection)
            return _response(Answer.refusal(rejection))
        except Exception:  # answered here, not by the app's handler, which would log the path with the token
            log.exception("unexpected error on POST %s", ODOO_SHOWN_PATH)
            return _response(Answer(500, {"error": "internal error; retry later", "details": {}}))

    routes.add_url_rule(ODOO_PATH, "odoo_webhook_without_token", odoo, methods=["POST"])
    routes.add_url_rule(ODOO_PATH + "/", "odoo_webhook_empty_token", odoo, methods=["POST"])
    routes.add_url_rule(ODOO_PATH + "/<token>", "odoo_webhook", odoo, methods=["POST"])
    routes.add_url_rule(ERP_PATH, "erp_webhook", lambda: _response(webhooks.erp(request.environ)), methods=["POST"])
    return routes


def _response(answer: Answer) -> Response:
    return json_response(answer.status, answer.body, answer.headers)
