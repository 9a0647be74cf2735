"""The ERP's webhooks: ``POST /webhooks/erp/odoo/<token>`` (Odoo's automation rules, a token in the URL) and
``POST /webhooks/erp`` (Standard Webhooks signatures), with the Flask test client and the real broker."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from bridge.erp_webhooks import UrlTokens, erp_notification, odoo_notification
from bridge.rejection import Rejection
from bridge.signatures import SignatureError
from sandbox.odoo import app as _odoo_models  # noqa: F401 (importing the app registers the Odoo models)
from sandbox.odoo.orm import Database, Env
from sandbox.odoo.seed import seed
from sandbox.odoo.webhooks import Webhooks
from schemas.notification import Notification
from tests.bridge.conftest import drain, signed_headers

ODOO_TOKEN = "odoo-hook-token-0123456789abcdef"
OLD_ODOO_TOKEN = "odoo-hook-token-previous-fedcba98"
RECEIVED = dt.datetime(2026, 12, 6, 5, 0, 9, tzinfo=dt.UTC)
ERP_SECRET = "whsec_" + base64.b64encode(b"erp-test-secret-0123456789abcdef").decode()
QUEUE = "erp.stock"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def erp_client(make_app: Callable[..., Flask]) -> Any:
    return make_app(erp_webhook_tokens=f"{ODOO_TOKEN},{OLD_ODOO_TOKEN}", erp_webhook_secrets=ERP_SECRET).test_client()


def sandbox_odoo_body(model: str = "stock.quant", fields: tuple[str, ...] = ()) -> bytes:
    """The exact body the Odoo sandbox's automation webhook sends for a counted quant (sandbox/odoo/webhooks.py)."""
    database = Database()
    seed(database)
    env = Env(database, uid=2)
    product = env["product.product"].create({"name": "Box", "default_code": "BOX-1", "detailed_type": "product"})
    quant = env.with_context(inventory_mode=True)["stock.quant"].create({
        "product_id": product, "location_id": env.ref("stock.stock_location_stock"), "inventory_quantity": 3})
    hooks = Webhooks()
    hooks.add({"url": "http://bridge/webhooks/erp/odoo/x", "model": model, "fields": list(fields)}, env)
    record_id = quant if model == "stock.quant" else product
    [call] = hooks.prepare(env, [(model, record_id, "write", frozenset({"inventory_quantity"}))])
    return call.body.encode()


def messages(channel: Any) -> list[Notification]:
    return [Notification.from_body(body) for _properties, body in drain(channel, QUEUE)]


# ---- Odoo's automation webhooks ---------------------------------------------------------------
def test_the_right_token_publishes_a_hint_keyed_by_the_odoo_record(erp_client, amqp_channel):
    body = sandbox_odoo_body(fields=("product_id", "quantity", "write_date"))
    sent = json.loads(body)

    answer = erp_client.post(f"/webhooks/erp/odoo/{ODOO_TOKEN}", data=body, headers=JSON)

    assert answer.status_code == 202, answer.json
    [note] = messages(amqp_channel)
    assert (note.entity, note.action, note.key, note.key_type) == ("stock", "save", str(sent["_id"]),
                                                                   "odoo:stock.quant")
    assert (note.origin, note.source) == ("erp", "erp-webhook")
    assert answer.json == {"accepted": note.id}


def test_the_previous_token_still_works_during_a_rotation(erp_client, amqp_channel):
    answer = erp_client.post(f"/webhooks/erp/odoo/{OLD_ODOO_TOKEN}", data=sandbox_odoo_body(), headers=JSON)

    assert answer.status_code == 202 and len(messages(amqp_channel)) == 1


@pytest.mark.parametrize("path", [f"/webhooks/erp/odoo/{ODOO_TOKEN}x", "/webhooks/erp/odoo/wrong",
                                  "/webhooks/erp/odoo/", "/webhooks/erp/odoo"])
def test_a_wrong_or_missing_token_is_401_and_nothing_is_published(erp_client, amqp_channel, caplog, path):
    with caplog.at_level(logging.INFO, logger="bridge"):
        answer = erp_client.post(path, data=sandbox_odoo_body(), headers=JSON)

    assert answer.status_code == 401
    assert messages(amqp_channel) == []
    assert "wrong" not in caplog.text and ODOO_TOKEN not in caplog.text
    assert "/webhooks/erp/odoo/<token>" in caplog.text


def test_without_configured_tokens_the_odoo_webhook_is_refused(make_app, amqp_channel):
    client = make_app().test_client()

    answer = client.post(f"/webhooks/erp/odoo/{ODOO_TOKEN}", data=sandbox_odoo_body(), headers=JSON)

    assert answer.status_code == 401 and "ERP_WEBHOOK_TOKENS" in answer.json["error"]
    assert messages(amqp_channel) == []


def test_an_unknown_model_is_422_with_a_clear_message(erp_client, amqp_channel):
    body = json.dumps({"_model": "res.partner", "_id": 7, "_action": "Send Webhook Notification(#1)"})

    answer = erp_client.post(f"/webhooks/erp/odoo/{ODOO_TOKEN}", data=body, headers=JSON)

    assert answer.status_code == 422
    assert "res.partner" in answer.json["error"] and "stock.quant" in answer.json["error"]
    assert messages(amqp_channel) == []


def test_odoo_bodies_map_to_stock_notifications_by_model():
    for model, key_type in [("stock.quant", "odoo:stock.quant"), ("stock.move", "odoo:stock.move"),
                            ("product.product", "odoo:product.product")]:
        note = odoo_notification({"_model": model, "_id": 12, "_action": "Rule(#2)"}, RECEIVED)
        assert (note.entity, note.key, note.key_type, note.origin, note.source) == (
            "stock", "12", key_type, "erp", "erp-webhook")
    dated = {"_model": "stock.quant", "_id": 12, "write_date": "2026-12-06 05:00:00.250000"}
    assert odoo_notification(dated, RECEIVED).id == odoo_notification(dated, RECEIVED).id == (
        "odoo-stock.quant-12-20261206050000250000")
    # the hint's arrival, not the transaction's start: Odoo sends it before its commit
    assert odoo_notification(dated, RECEIVED).occurred_at == "2026-12-06T05:00:09.000Z"
    assert odoo_notification({"_model": "stock.quant", "_id": 12}, RECEIVED).id != odoo_notification(
        {"_model": "stock.quant", "_id": 12}, RECEIVED).id  # no write_date: every hint is an event of its own
    for bad, status in [([], 400), ({"_id": 1}, 400), ({"_model": "stock.quant", "_id": "1"}, 400),
                        ({"_model": "stock.quant", "_id": 0}, 400), ({"_model": "sale.order", "_id": 1}, 422)]:
        with pytest.raises(Rejection) as refused:
            odoo_notification(bad, RECEIVED)
        assert refused.value.status == status


def test_tokens_are_compared_with_every_configured_one():
    tokens = UrlTokens(["a" * 16, "b" * 16])
    tokens.verify("b" * 16)
    for wrong in ("", None, "c" * 16, "a" * 15):
        with pytest.raises(SignatureError):
            tokens.verify(wrong)


# ---- the HTTP ERP's signed webhooks -----------------------------------------------------------
def erp_body(event_id: str = "msg_erp_1", entity: str = "stock", key: str = "SKU-1") -> bytes:
    return json.dumps({"id": event_id, "entity": entity, "action": "save", "key": key,
                       "occurred_at": "2026-12-06T05:00:00.000Z"}).encode()


def test_a_signed_erp_change_is_published_once(erp_client, amqp_channel):
    body = erp_body()

    first = erp_client.post("/webhooks/erp", data=body, headers=signed_headers(body, secret=ERP_SECRET))
    again = erp_client.post("/webhooks/erp", data=body, headers=signed_headers(body, secret=ERP_SECRET))

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json == {"accepted": "erp-msg_erp_1", "duplicate": True}
    [note] = messages(amqp_channel)
    assert (note.id, note.entity, note.key, note.origin, note.source) == (
        "erp-msg_erp_1", "stock", "SKU-1", "erp", "erp-webhook")


@pytest.mark.parametrize("headers", [
    lambda body: signed_headers(body, secret="whsec_" + base64.b64encode(b"some-other-secret-0123456").decode()),
    lambda body: signed_headers(body + b" ", secret=ERP_SECRET),
    lambda body: signed_headers(body, secret=ERP_SECRET, timestamp=1),
    lambda body: JSON,
])
def test_a_bad_or_missing_signature_is_401_and_nothing_is_published(erp_client, amqp_channel, headers):
    body = erp_body()

    answer = erp_client.post("/webhooks/erp", data=body, headers=headers(body))

    assert answer.status_code == 401
    assert messages(amqp_channel) == []


def test_the_magento_secret_does_not_sign_erp_changes(erp_client, amqp_channel):
    body = erp_body()

    answer = erp_client.post("/webhooks/erp", data=body, headers=signed_headers(body))

    assert answer.status_code == 401 and messages(amqp_channel) == []


def test_entities_not_yet_synced_from_the_erp_are_answered_and_skipped(erp_client, amqp_channel):
    body = erp_body(entity="product")

    answer = erp_client.post("/webhooks/erp", data=body, headers=signed_headers(body, secret=ERP_SECRET))

    assert answer.status_code == 200 and answer.json["skipped"] == "erp-msg_erp_1"
    assert messages(amqp_channel) == []


def test_an_invalid_erp_change_is_400():
    with pytest.raises(Rejection) as refused:
        erp_notification({"id": "x", "entity": "stock", "action": "explode", "key": "A"})
    assert refused.value.status == 400
    assert erp_notification(json.loads(erp_body(event_id="é" * 127))).id.startswith("erp-sha256-")


def test_the_http_erp_sandbox_s_signed_webhook_is_accepted(erp_client, amqp_channel):
    import datetime as dt
    import time

    from sandbox.erp import webhook as sandbox_webhook
    from sandbox.erp.store import Change

    change = Change(41, "stock", "24-MB 01", "save", dt.datetime.now(dt.UTC))
    body = json.dumps(sandbox_webhook.message(change), separators=(",", ":")).encode()
    stamp = int(time.time())
    signature = sandbox_webhook.signature(sandbox_webhook.secret_key(ERP_SECRET), "msg_erp_41", stamp, body)
    headers = {**JSON, "webhook-id": "msg_erp_41", "webhook-timestamp": str(stamp), "webhook-signature": signature}

    answer = erp_client.post("/webhooks/erp", data=body, headers=headers)

    assert answer.status_code == 202, answer.json
    [note] = messages(amqp_channel)
    assert (note.id, note.key, note.origin, note.source) == ("erp-msg_erp_41", "24-MB 01", "erp", "erp-webhook")


def test_an_unexpected_error_on_the_odoo_path_does_not_log_the_token(make_app, caplog):
    class Broken:
        def seen(self, event_id: str) -> bool:
            raise RuntimeError("the duplicate store broke")

    app = make_app(erp_webhook_tokens=ODOO_TOKEN)
    intake = app.extensions["bridge.receiver"]
    kept, intake.store = intake.store, Broken()
    try:
        with caplog.at_level(logging.ERROR):
            answer = app.test_client().post(f"/webhooks/erp/odoo/{ODOO_TOKEN}", data=sandbox_odoo_body(),
                                            headers=JSON)
    finally:
        intake.store = kept

    assert answer.status_code == 500 and answer.json["error"] == "internal error; retry later"
    assert "unexpected error on POST /webhooks/erp/odoo/<token>" in caplog.text
    assert ODOO_TOKEN not in caplog.text
