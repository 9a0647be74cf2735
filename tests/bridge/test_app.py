"""The receiver end to end (Flask test client, real RabbitMQ): every status code and what reaches the queue."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from flask import Flask

from bridge import create_app
from broker.topology import EVENTS_EXCHANGE, entity_queue
from core.errors import ConfigError
from tests import support
from tests.bridge.conftest import OLD_SECRET, SECRET, TOKEN, drain, notification, signed_headers, vhost_of

BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def test_a_signed_notification_is_published_durably_and_answered_202(client, amqp_channel) -> None:
    body = notification("evt-100", "product", "save", "MB-01", occurred_at="2026-01-05T10:00:00Z", extra="x")
    response = client.post("/webhooks/magento", data=body, headers=signed_headers(body))
    assert response.status_code == 202
    assert response.json == {"accepted": "evt-100"}
    [(properties, published)] = drain(amqp_channel, entity_queue("product"))
    assert properties.delivery_mode == 2
    assert properties.message_id == "evt-100"
    assert json.loads(published) == {"id": "evt-100", "entity": "product", "action": "save", "key": "MB-01",
                                     "occurred_at": "2026-01-05T10:00:00.000Z", "source": "webhook"}


def test_a_repeated_event_id_is_a_duplicate_and_not_published_again(client, amqp_channel) -> None:
    body = notification("evt-dup", "order", "save", 1001)
    assert client.post("/webhooks/magento", data=body, headers=BEARER).status_code == 202
    again = client.post("/webhooks/magento", data=body, headers=signed_headers(body, msg_id="msg_retry"))
    assert again.status_code == 200
    assert again.json == {"accepted": "evt-dup", "duplicate": True}
    assert len(drain(amqp_channel, entity_queue("order"))) == 1


def test_the_routing_key_is_entity_dot_action(client, amqp_channel) -> None:
    body = notification("evt-del", "customer", "delete", "77")
    assert client.post("/webhooks/magento", data=body, headers=BEARER).status_code == 202
    method, _, _ = amqp_channel.basic_get(entity_queue("customer"), auto_ack=True)
    assert (method.exchange, method.routing_key) == (EVENTS_EXCHANGE, "customer.delete")


def test_signature_rotation_accepts_both_secrets(make_app: Callable[..., Flask], amqp_channel) -> None:
    client = make_app(webhook_secrets=f"{SECRET} {OLD_SECRET}").test_client()
    for n, secret in enumerate([OLD_SECRET, SECRET]):
        body = notification(f"evt-rot-{n}")
        response = client.post("/webhooks/magento", data=body, headers=signed_headers(body, secret=secret))
        assert response.status_code == 202
    assert len(drain(amqp_channel, entity_queue("product"))) == 2


@pytest.mark.parametrize("make_headers, reason", [
    (lambda: {"Content-Type": "application/json"}, "no webhook-signature"),
    (lambda: {"Authorization": "Bearer wrong", "Content-Type": "application/json"}, "unknown bearer token"),
    (lambda: signed_headers(notification(), secret=OLD_SECRET), "no signature matches"),
    (lambda: signed_headers(notification(), timestamp=int(time.time()) - 3600), "too old"),
    (lambda: signed_headers(notification(), timestamp=int(time.time()) + 3600), "too far in the future"),
], ids=["unsigned", "unknown-token", "other-secret", "replayed-late", "from-the-future"])
def test_unauthenticated_requests_are_401_and_nothing_is_published(client, amqp_channel, make_headers,
                                                                   reason) -> None:
    response = client.post("/webhooks/magento", data=notification(), headers=make_headers())
    assert response.status_code == 401
    assert reason in response.json["error"]
    assert response.json["details"] == {}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert drain(amqp_channel, entity_queue("product")) == []


def test_authentication_is_checked_before_the_body_is_parsed(client) -> None:
    assert client.post("/webhooks/magento", data=b"{not json", headers={"Content-Type": "application/json"}
                       ).status_code == 401


def test_a_wrong_content_type_is_415(client) -> None:
    body = notification()
    response = client.post("/webhooks/magento", data=body, headers=signed_headers(body, content_type="text/plain"))
    assert response.status_code == 415
    assert response.json["details"] == {"content_type": ["Got text/plain."]}


def test_malformed_json_is_400(client) -> None:
    response = client.post("/webhooks/magento", data=b'{"id": ', headers=BEARER)
    assert response.status_code == 400
    assert response.json["error"] == "the body is not valid JSON"


def test_schema_violations_are_400_with_field_details(client, amqp_channel) -> None:
    response = client.post("/webhooks/magento", data=json.dumps({"entity": "invoice", "action": "void",
                                                                 "key": "INV-1"}), headers=BEARER)
    assert response.status_code == 400
    assert set(response.json["details"]) == {"id", "action"}
    assert drain(amqp_channel, entity_queue("invoice")) == []


def test_a_body_over_max_body_bytes_is_413_even_before_authentication(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_body_bytes="512").test_client()
    big = notification(padding="x" * 600)
    for headers in (signed_headers(big), {"Content-Type": "application/json"}):
        response = client.post("/webhooks/magento", data=big, headers=headers)
        assert response.status_code == 413
        assert response.json["details"] == {"max_bytes": 512}
    assert client.post("/webhooks/magento", data=notification(), headers=BEARER).status_code == 202


def test_a_streamed_body_without_content_length_is_capped_too(make_app: Callable[..., Flask]) -> None:
    client = make_app(max_body_bytes="512").test_client()
    import io
    response = client.post("/webhooks/magento", input_stream=io.BytesIO(b"{" + b" " * 5000 + b"}"),
                           headers=BEARER, environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").json == {"status": "alive"}
    wait_ready(client)


def test_unknown_paths_and_methods_answer_json(client) -> None:
    missing = client.get("/webhooks/nope")
    assert missing.status_code == 404 and "error" in missing.json
    wrong_method = client.get("/webhooks/magento")
    assert wrong_method.status_code == 405 and "error" in wrong_method.json


def wait_ready(client) -> None:
    support.wait_for(lambda: client.get("/readyz").status_code == 200, 10, message="the receiver's broker link")


def test_an_unroutable_notification_is_503_and_not_remembered(client, amqp_channel) -> None:
    wait_ready(client)  # the receiver declares its bindings when it connects; remove one afterwards
    amqp_channel.queue_unbind(entity_queue("shipment"), EVENTS_EXCHANGE, "shipment.*")
    body = notification("evt-unroutable", "shipment", "save", "5")
    try:
        refused = client.post("/webhooks/magento", data=body, headers=BEARER)
    finally:
        amqp_channel.queue_bind(entity_queue("shipment"), EVENTS_EXCHANGE, "shipment.*")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert "no queue is bound" in refused.json["details"]["broker"]
    assert client.post("/webhooks/magento", data=body, headers=BEARER).status_code == 202


def test_a_nacked_notification_is_503(make_app: Callable[..., Flask]) -> None:
    """A full quorum queue (x-overflow reject-publish) nacks; the receiver must not answer 2xx.

    Runs in a vhost of its own: RabbitMQ 3.10 keeps a quorum queue rejecting after its limit policy is
    cleared unless the limit is raised first, and no other test should share that queue.
    """
    with support.temporary_vhost("bridge-nack") as url:
        client = make_app(amqp_url=url).test_client()
        wait_ready(client)
        set_limit = ["set_policy", "-p", vhost_of(url), "--apply-to", "queues", "limit", r"^magento\.creditmemo$"]
        support.rabbitmqctl(*set_limit, '{"max-length": 0}')
        support.wait_for(lambda: client.post("/webhooks/magento", data=notification(f"evt-fill-{time.time()}",
                         "creditmemo", "save", "11"), headers=BEARER).status_code == 503, 10,
                         message="the queue to be full")
        body = notification("evt-nack", "creditmemo", "save", "12")
        response = client.post("/webhooks/magento", data=body, headers=BEARER)
        assert response.status_code == 503
        assert "nack" in response.json["details"]["broker"]
        support.rabbitmqctl(*set_limit, '{"max-length": 100000}')
        support.wait_for(lambda: client.post("/webhooks/magento", data=body, headers=BEARER).status_code == 202,
                         10, message="the limit to be raised")


def test_every_nasty_input_gets_a_4xx(client) -> None:
    nasty = [b"", b"null", b"[]", b'"x"', b"\x00\x01", "{\"id\": \"é\"}".encode("latin-1"), b"[" * 50_000,
             json.dumps({"id": "e", "entity": "order", "action": "save", "key": 1e308}).encode(),
             json.dumps({"id": "e", "entity": "order", "action": "save", "key": "1" * 300}).encode(),
             json.dumps({"id": "e", "entity": "stock", "action": "save", "key": "A\u0000B"}).encode()]
    for body in nasty:
        status = client.post("/webhooks/magento", data=body, headers=BEARER).status_code
        assert 400 <= status < 500, body[:40]
    for headers in ({"Authorization": "Bearer \u00e9\u00e9"}, {"webhook-signature": "v1,\u00ff",
                    "webhook-id": "\u00ff", "webhook-timestamp": "1e9"}, {"Authorization": ""}):
        assert client.post("/webhooks/magento", data=b"{}", headers=headers).status_code == 401


def test_create_app_refuses_to_start_without_a_way_to_authenticate(broker, sqlite_url) -> None:
    with pytest.raises(ConfigError, match="refuses to start"):
        create_app({"AMQP_URL": broker, "DATABASE_URL": sqlite_url})


def test_create_app_builds_a_receiver_from_overrides(broker, sqlite_url) -> None:
    app = create_app({"AMQP_URL": broker, "DATABASE_URL": sqlite_url, "WEBHOOK_TOKENS": TOKEN})
    try:
        assert app.test_client().post("/webhooks/magento", data=notification("evt-factory"),
                                      headers=BEARER).status_code == 202
    finally:
        from bridge.app import stop
        stop(app)


def adobe_event(event_id: str, event_type: str = "com.adobe.commerce.observer.catalog_product_save_commit_after",
                value: dict | None = None) -> dict:
    return {"specversion": "1.0", "id": f"ce-{event_id}", "type": event_type, "event_id": event_id,
            "source": "urn:uuid:5f0c0a52-0000-4000-8000-0000000000b1", "time": "2026-03-02T09:15:27.120Z",
            "data": {"key": "k-1", "value": value or {"sku": "WS03-XS-Red", "price": "29.000000"}}}


def adobe_post(client, payload: object, adobe_sign, *, signature_slot: int = 1, tamper: bool = False):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", f"x-adobe-digital-signature-{signature_slot}": adobe_sign(body),
               f"x-adobe-public-key{signature_slot}-path": "/prod/keys/pub-key-test.pem"}
    return client.post("/webhooks/adobe-io", data=body + (b" " if tamper else b""), headers=headers)


def test_the_adobe_registration_challenge_is_answered(client) -> None:
    response = client.get("/webhooks/adobe-io?challenge=8ec8d794-e0ab-42df-9017-e3dada8e84f7")
    assert response.status_code == 200
    assert response.json == {"challenge": "8ec8d794-e0ab-42df-9017-e3dada8e84f7"}
    assert client.get("/webhooks/adobe-io").status_code == 400


def test_a_signed_adobe_event_is_published_with_its_event_id(client, amqp_channel, adobe_sign) -> None:
    response = adobe_post(client, adobe_event("b7d2-0001"), adobe_sign, signature_slot=2)
    assert response.status_code == 202
    assert response.json == {"accepted": "b7d2-0001"}
    [(properties, body)] = drain(amqp_channel, entity_queue("product"))
    assert properties.message_id == "b7d2-0001"
    assert json.loads(body)["source"] == "adobe-io"
    assert json.loads(body)["key"] == "WS03-XS-Red"
    again = adobe_post(client, adobe_event("b7d2-0001"), adobe_sign)
    assert (again.status_code, again.json) == (200, {"accepted": "b7d2-0001", "duplicate": True})


def test_an_adobe_event_with_a_bad_signature_is_401(client, amqp_channel, adobe_sign) -> None:
    assert adobe_post(client, adobe_event("b7d2-0002"), adobe_sign, tamper=True).status_code == 401
    assert client.post("/webhooks/adobe-io", json=adobe_event("b7d2-0003")).status_code == 401
    assert drain(amqp_channel, entity_queue("product")) == []


def test_an_unknown_adobe_event_type_is_422_and_nothing_is_published(client, amqp_channel, adobe_sign) -> None:
    event = adobe_event("b7d2-0004", "com.adobe.commerce.observer.wishlist_save_after")
    response = adobe_post(client, event, adobe_sign)
    assert response.status_code == 422
    assert "wishlist_save_after" in response.json["error"]
    assert response.json["details"]["type"]
    assert drain(amqp_channel, entity_queue("product")) == []


def test_an_adobe_batch_is_accepted_event_by_event(client, amqp_channel, adobe_sign) -> None:
    adobe_post(client, adobe_event("b7d2-0005"), adobe_sign)
    order = adobe_event("b7d2-0006", "com.adobe.commerce.observer.sales_order_save_commit_after", {"entity_id": "31"})
    response = adobe_post(client, [adobe_event("b7d2-0005"), order], adobe_sign)
    assert response.status_code == 202
    assert response.json == {"accepted": ["b7d2-0006"], "duplicates": ["b7d2-0005"]}
    assert [p.message_id for p, _ in drain(amqp_channel, entity_queue("order"))] == ["b7d2-0006"]


def test_adobe_events_are_refused_when_no_key_is_configured(make_app, adobe_sign) -> None:
    client = make_app(adobe_io_public_keys="").test_client()
    response = adobe_post(client, adobe_event("b7d2-0007"), adobe_sign)
    assert response.status_code == 401
    assert "ADOBE_IO_PUBLIC_KEYS" in response.json["error"]


def test_an_adobe_stock_item_event_with_only_a_product_id_is_queued_keyed_by_it(client, amqp_channel,
                                                                                   adobe_sign) -> None:
    stock_item = "com.adobe.commerce.observer.cataloginventory_stock_item_save_commit_after"
    response = adobe_post(client, adobe_event("b7d2-0008", stock_item, {"item_id": 4, "product_id": 42, "qty": 7}),
                          adobe_sign)
    assert (response.status_code, response.json) == (202, {"accepted": "b7d2-0008"})
    [(_properties, body)] = drain(amqp_channel, entity_queue("stock"))
    assert json.loads(body) == {"id": "b7d2-0008", "entity": "stock", "action": "save", "key": "42",
                                "key_type": "product_id", "occurred_at": "2026-03-02T09:15:27.120Z",
                                "source": "adobe-io"}
    neither = adobe_post(client, adobe_event("b7d2-0009", stock_item, {"item_id": 4, "qty": 7}), adobe_sign)
    assert neither.status_code == 422 and "nor a product_id" in neither.json["error"]
    assert drain(amqp_channel, entity_queue("stock")) == []


def test_a_webhook_key_type_on_another_entity_is_400(client, amqp_channel) -> None:
    body = notification("evt-kt", "product", "save", 42, key_type="product_id")
    response = client.post("/webhooks/magento", data=body, headers=BEARER)
    assert response.status_code == 400
    assert response.json["details"] == {"key_type": ["Only stock notifications may be keyed by product_id, "
                                                     "not product."]}
    assert drain(amqp_channel, entity_queue("product")) == []


def test_with_adobe_io_client_id_set_an_event_for_another_integration_is_403(make_app, amqp_channel,
                                                                               adobe_sign) -> None:
    client = make_app(adobe_io_client_id="our-integration").test_client()
    ours, theirs = adobe_event("b7d2-0101"), adobe_event("b7d2-0102")
    ours["recipient_client_id"], theirs["recipient_client_id"] = "our-integration", "another-integration"
    refused = adobe_post(client, theirs, adobe_sign)
    assert refused.status_code == 403
    assert "ADOBE_IO_CLIENT_ID" in refused.json["error"]
    assert adobe_post(client, ours, adobe_sign).status_code == 202
    assert [p.message_id for p, _ in drain(amqp_channel, entity_queue("product"))] == ["b7d2-0101"]


def test_a_255_character_event_id_of_510_bytes_is_400_and_the_receiver_keeps_publishing(client, amqp_channel) -> None:
    long_id = client.post("/webhooks/magento", data=notification("é" * 255), headers=BEARER)
    assert long_id.status_code == 400
    assert long_id.json["details"] == {"id": ["Must be at most 255 bytes in UTF-8 (got 510)."]}
    assert client.post("/webhooks/magento", data=notification("evt-after-long-id"), headers=BEARER).status_code == 202
    assert [p.message_id for p, _ in drain(amqp_channel, entity_queue("product"))] == ["evt-after-long-id"]
