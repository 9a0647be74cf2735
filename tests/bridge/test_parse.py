"""The bridge's own notification format: JSON parsing, schema errors with field details, content types."""

from __future__ import annotations

import json

import pytest

from bridge.parse import notification_from_webhook, parse_json, require_json
from bridge.rejection import Rejection


def refusal(call, *args) -> Rejection:
    with pytest.raises(Rejection) as refused:
        call(*args)
    return refused.value


def test_a_valid_notification_becomes_a_webhook_notification() -> None:
    result = notification_from_webhook({"id": "evt-9", "entity": "order", "action": "save", "key": 10042,
                                        "occurred_at": "2026-02-01T10:00:00+01:00", "store_code": "fr",
                                        "unknown": "ignored", "source": "replay"})
    assert (result.id, result.entity, result.action, result.key) == ("evt-9", "order", "save", "10042")
    assert result.occurred_at == "2026-02-01T09:00:00.000Z"
    assert result.store_code == "fr"
    assert result.source == "webhook"  # a sender cannot claim another source


def test_sku_keys_are_kept_as_sent_and_naive_times_are_utc() -> None:
    result = notification_from_webhook({"id": "e", "entity": "stock", "action": "save", "key": " 24-MB01 ",
                                        "occurred_at": "2026-02-01T10:00:00"})
    assert result.key == " 24-MB01 "
    assert result.occurred_at == "2026-02-01T10:00:00.000Z"


def test_a_stock_notification_may_be_keyed_by_its_product_id() -> None:
    result = notification_from_webhook({"id": "e", "entity": "stock", "action": "save", "key": 42,
                                        "key_type": "product_id"})
    assert (result.key, result.key_type, result.source) == ("42", "product_id", "webhook")
    assert notification_from_webhook({"id": "e", "entity": "stock", "action": "save", "key": "S"}).key_type is None


@pytest.mark.parametrize("data, details", [
    ({"id": "e", "entity": "product", "action": "save", "key": 42, "key_type": "product_id"},
     {"key_type": ["Only stock notifications may be keyed by product_id, not product."]}),
    ({"id": "e", "entity": "stock", "action": "save", "key": "MB-01", "key_type": "product_id"},
     {"key": ["Must be a positive numeric product id for stock."]}),
    ({"id": "e", "entity": "stock", "action": "save", "key": 42, "key_type": "entity_id"},
     {"key_type": ["Must be one of: product_id, odoo:stock.quant, odoo:stock.move, odoo:product.product "
                   "(or left out for the usual key)."]}),
])
def test_a_bad_key_type_is_400_with_the_field_explained(data: dict, details: dict) -> None:
    rejection = refusal(notification_from_webhook, data)
    assert (rejection.status, rejection.details) == (400, details)


@pytest.mark.parametrize("data, field", [
    ({"entity": "product", "action": "save", "key": "A"}, "id"),
    ({"id": "e", "entity": "quote", "action": "save", "key": "A"}, "entity"),
    ({"id": "e", "entity": "product", "action": "upsert", "key": "A"}, "action"),
    ({"id": "e", "entity": "order", "action": "save", "key": "A-1"}, "key"),
    ({"id": "e", "entity": "order", "action": "save", "key": True}, "key"),
    ({"id": "e", "entity": "product", "action": "save"}, "key"),
    ({"id": "e", "entity": "product", "action": "save", "key": "A", "occurred_at": "soon"}, "occurred_at"),
    ({"id": 12, "entity": "product", "action": "save", "key": "A"}, "id"),
    ({"id": "x" * 256, "entity": "product", "action": "save", "key": "A"}, "id"),
    ({"id": "   ", "entity": "product", "action": "save", "key": "A"}, "id"),
])
def test_schema_violations_are_400_with_the_field_named(data: dict, field: str) -> None:
    rejection = refusal(notification_from_webhook, data)
    assert rejection.status == 400
    assert field in rejection.details
    assert rejection.details[field]


@pytest.mark.parametrize("data", [[1, 2], "text", 5, None])
def test_json_that_is_not_an_object_is_400(data: object) -> None:
    assert refusal(notification_from_webhook, data).status == 400


@pytest.mark.parametrize("body", [b"{", b"", b"\xff\xfe\x00garbage", b"[" * 100_000, b'{"a": NaN',
                                  b"1" * 5000])
def test_bodies_that_are_not_json_are_400(body: bytes) -> None:
    rejection = refusal(parse_json, body)
    assert rejection.status == 400
    assert rejection.details["body"]


def test_json_is_decoded() -> None:
    assert parse_json(json.dumps({"a": [1]}).encode()) == {"a": [1]}


@pytest.mark.parametrize("mimetype", ["application/json", "application/cloudevents+json", "APPLICATION/JSON"])
def test_json_content_types_are_accepted(mimetype: str) -> None:
    require_json(mimetype)


@pytest.mark.parametrize("mimetype", ["text/plain", "application/x-www-form-urlencoded", "", None, "json"])
def test_other_content_types_are_415(mimetype: str | None) -> None:
    assert refusal(require_json, mimetype).status == 415


PLAIN_NOTIFICATIONS = [
    {"id": "evt-1", "entity": "product", "action": "save", "key": "24-MB01"},
    {"id": " evt-2 ", "entity": "order", "action": "delete", "key": 17, "occurred_at": "2026-02-01T10:00:00Z"},
    {"id": "evt-3", "entity": "stock", "action": "save", "key": " bla/koe ", "store_code": "fr",
     "occurred_at": "2026-02-01T10:00:00.123456+05:30", "padding": "x" * 300},
    {"id": "evt-4", "entity": "customer", "action": "save", "key": "0042", "occurred_at": "2026-02-01",
     "store_code": None, "source": "backfill"},
    {"id": "evt-5", "entity": "creditmemo", "action": "save", "key": "9", "occurred_at": None},
]


@pytest.mark.parametrize("data", PLAIN_NOTIFICATIONS, ids=lambda data: data["id"].strip())
def test_the_fast_path_reads_a_plain_notification_as_the_schema_does(data: dict, monkeypatch) -> None:
    from bridge import parse
    from schemas.notification import plainly_valid

    assert plainly_valid({name: value for name, value in data.items() if name != "source"})  # the fast path
    fast = notification_from_webhook(data)
    monkeypatch.setattr(parse, "plainly_valid", lambda fields: False)
    assert fast == notification_from_webhook(data)


CONTROL = "Must not contain control characters."


@pytest.mark.parametrize("data, field, message", [
    ({"id": "é" * 255, "entity": "product", "action": "save", "key": "A"}, "id",
     "Must be at most 255 bytes in UTF-8 (got 510)."),
    ({"id": "e", "entity": "product", "action": "save", "key": "é" * 511}, "key",
     "Must be at most 1020 bytes in UTF-8 (got 1022)."),
    ({"id": "evt\x1b[2J", "entity": "product", "action": "save", "key": "A"}, "id", CONTROL),
    ({"id": "evt\u0085x", "entity": "product", "action": "save", "key": "A"}, "id", CONTROL),
    ({"id": "evt\ud800", "entity": "product", "action": "save", "key": "A"}, "id", CONTROL),
    ({"id": "e", "entity": "product", "action": "save", "key": "A\x9b1m"}, "key", CONTROL),
    ({"id": "e", "entity": "product", "action": "save", "key": "A", "occurred_at": "0001-01-01T00:00:00+01:00"},
     "occurred_at", "Must be a date-time that is within years 1 to 9999 in UTC."),
    ({"id": "e", "entity": "product", "action": "save", "key": "A", "occurred_at": "9999-12-31T23:59:59-01:00"},
     "occurred_at", "Must be a date-time that is within years 1 to 9999 in UTC."),
])
def test_byte_limits_control_characters_and_unconvertible_times_are_400_explained(data: dict, field: str,
                                                                                  message: str) -> None:
    rejection = refusal(notification_from_webhook, data)
    assert (rejection.status, rejection.details) == (400, {field: [message]})


def test_the_extreme_times_that_convert_to_utc_are_kept() -> None:
    for moment, expected in (("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"),
                             ("9999-12-31T23:59:59", "9999-12-31T23:59:59.000Z")):
        data = {"id": "e", "entity": "product", "action": "save", "key": "A", "occurred_at": moment}
        assert notification_from_webhook(data).occurred_at == expected
