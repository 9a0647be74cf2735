"""The notification format: the dataclass carried in queues, its schema's field messages, keys and the fast check."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.errors import MalformedMessage
from schemas.notification import (
    Notification,
    NotificationSchema,
    identifier_problem,
    key_problem,
    key_type_problem,
    moment_problem,
    normalise_key,
    plainly_valid,
)

STOCK_BY_PRODUCT_ID = {"id": "evt-1", "entity": "stock", "action": "save", "key": "42", "key_type": "product_id"}
KNOWN_KEY_TYPES = "product_id, odoo:stock.quant, odoo:stock.move, odoo:product.product"
ODOO_KEY_TYPES = ("odoo:stock.quant", "odoo:stock.move", "odoo:product.product")


def problems(data: dict[str, Any]) -> dict[str, Any]:
    return NotificationSchema().validate(data)


@pytest.mark.parametrize("data", [
    STOCK_BY_PRODUCT_ID,
    {**STOCK_BY_PRODUCT_ID, "key": 42},
    {**STOCK_BY_PRODUCT_ID, "key": " 42 "},
    {**STOCK_BY_PRODUCT_ID, "action": "delete"},
    {**STOCK_BY_PRODUCT_ID, "key_type": None, "key": "any SKU/42"},
    {"id": "evt-2", "entity": "product", "action": "save", "key": "MB-01"},
])
def test_valid_notifications_have_no_problems(data: dict[str, Any]) -> None:
    assert problems(data) == {}


def test_the_usual_key_is_what_a_missing_key_type_means() -> None:
    loaded = NotificationSchema().load({"id": "e", "entity": "stock", "action": "save", "key": "S1"})
    assert loaded["key_type"] is None


@pytest.mark.parametrize("key_type, message", [
    ("sku", f"Must be one of: {KNOWN_KEY_TYPES} (or left out for the usual key)."),
    ("", f"Must be one of: {KNOWN_KEY_TYPES} (or left out for the usual key)."),
    (7, "Not a valid string."),
])
def test_an_unknown_key_type_is_named(key_type: Any, message: str) -> None:
    assert problems({**STOCK_BY_PRODUCT_ID, "key_type": key_type}) == {"key_type": [message]}


@pytest.mark.parametrize("entity, key", [("product", "42"), ("order", "42"), ("customer", 42)])
def test_a_product_id_key_is_only_for_stock(entity: str, key: Any) -> None:
    assert problems({**STOCK_BY_PRODUCT_ID, "entity": entity, "key": key}) == {
        "key_type": [f"Only stock notifications may be keyed by product_id, not {entity}."]}


@pytest.mark.parametrize("key", ["MB-01", "0", -3, "4.5", "", "١٧", True])
def test_a_product_id_key_must_be_a_positive_integer(key: Any) -> None:
    found = problems({**STOCK_BY_PRODUCT_ID, "key": key})
    assert set(found) == {"key"}


@pytest.mark.parametrize("key_type", ODOO_KEY_TYPES)
def test_an_odoo_record_key_is_a_positive_odoo_id_of_a_stock_notification(key_type: str) -> None:
    odoo_keyed = {**STOCK_BY_PRODUCT_ID, "key_type": key_type, "key": 17}
    assert problems(odoo_keyed) == {}
    assert problems({**odoo_keyed, "key": "BOX-1"}) == {
        "key": [f"Must be a positive numeric {key_type} for stock."]}
    assert problems({**odoo_keyed, "entity": "product"}) == {
        "key_type": [f"Only stock notifications may be keyed by {key_type}, not product."]}
    note = Notification.from_dict({**odoo_keyed, "key": " 17 "})
    assert (note.key, note.key_type, note.record) == ("17", key_type, (f"stock {key_type}", "17"))


def test_a_product_id_key_that_is_not_numeric_is_explained() -> None:
    assert problems({**STOCK_BY_PRODUCT_ID, "key": "MB-01"}) == {
        "key": ["Must be a positive numeric product id for stock."]}

def test_round_trip_keeps_every_field():
    original = Notification("evt-1", "product", "save", "24-MB 01", "2026-01-02T03:04:05Z", "default", "backfill")
    assert Notification.from_body(original.to_body()) == original
    assert original.routing_key == "product.save" and original.record == ("product", "24-MB 01")


def test_numeric_keys_may_be_json_numbers():
    parsed = Notification.from_dict({"id": "e", "entity": "order", "action": "save", "key": 42})
    assert parsed.key == "42"
    assert normalise_key("order", 7.0) == "7"


@pytest.mark.parametrize("entity, key, problem", [
    ("order", "abc", "positive numeric id"),
    ("order", 0, "positive numeric id"),
    ("product", "", "empty"),
    ("product", True, "string or a number"),
    ("product", "a\nb", "control characters"),
    ("customer", "1" * 21, "at most 20 digits"),
    ("product", "x" * 1100, "1020 bytes"),
])
def test_bad_keys_are_explained(entity, key, problem):
    assert problem in key_problem(entity, key)


def test_sku_keys_keep_their_spaces_and_slashes():
    assert key_problem("product", "bla/koe") is None
    assert normalise_key("product", " 24-MB 01 ") == " 24-MB 01 "


@pytest.mark.parametrize("body", [b"not json", b"[1]", json.dumps({"id": "e", "entity": "widget",
                                                                        "action": "save", "key": "1"}).encode()])
def test_malformed_bodies_raise_a_permanent_error(body):
    with pytest.raises(MalformedMessage):
        Notification.from_body(body)


def test_unknown_fields_are_ignored():
    parsed = Notification.from_dict({"id": "e", "entity": "stock", "action": "delete", "key": "S1", "extra": 1})
    assert parsed == Notification("e", "stock", "delete", "S1")


VALID = {"id": "evt-9", "entity": "order", "action": "save", "key": "17"}
TRICKY = [
    {}, VALID, {**VALID, "key": 17}, {**VALID, "key": 17.0}, {**VALID, "key": True}, {**VALID, "key": None},
    {**VALID, "key": " 17 "}, {**VALID, "key": "0"}, {**VALID, "key": "١٧"}, {**VALID, "key": []},
    {**VALID, "entity": "product", "key": " 24-MB 01 "}, {**VALID, "entity": "product", "key": "a\tb"},
    {**VALID, "entity": "product", "key": "x" * 256}, {**VALID, "entity": "widget"}, {**VALID, "entity": None},
    {**VALID, "action": "upsert"}, {**VALID, "action": 1}, {**VALID, "id": ""}, {**VALID, "id": "i" * 256},
    {**VALID, "id": 5}, {**VALID, "id": None}, {**VALID, "source": None}, {**VALID, "source": "backfill"},
    {**VALID, "source": "elsewhere"}, {**VALID, "store_code": None}, {**VALID, "store_code": "s" * 65},
    {**VALID, "store_code": 3}, {**VALID, "occurred_at": None}, {**VALID, "occurred_at": "2026-01-02T03:04:05Z"},
    {**VALID, "occurred_at": "2026-01-02 03:04:05+01:00"}, {**VALID, "occurred_at": "2026-01-02"},
    {**VALID, "occurred_at": "yesterday"}, {**VALID, "occurred_at": 1767322245}, {**VALID, "occurred_at": ""},
    {**VALID, "extra": {"nested": True}},
    {**VALID, "key_type": "product_id"}, {**VALID, "entity": "stock", "key_type": "product_id"},
    {**VALID, "entity": "stock", "key": "SKU-1", "key_type": "product_id"}, {**VALID, "key_type": None},
    {**VALID, "entity": "stock", "key": " 17 ", "key_type": "product_id"}, {**VALID, "key_type": "sku"},
]


@pytest.mark.parametrize("data", TRICKY)
def test_the_schema_free_check_never_accepts_what_the_schema_refuses(data):

    if plainly_valid(data):
        assert NotificationSchema().validate(data) == {}


def test_notifications_the_bridge_publishes_skip_the_schema():
    published = Notification("evt-1", "product", "save", "24-MB 01", "2026-01-02T03:04:05Z", "default", "backfill")
    assert plainly_valid(json.loads(published.to_body()))
    assert plainly_valid({"id": "e", "entity": "order", "action": "delete", "key": 42})


@pytest.mark.parametrize("data, message", [
    ({**VALID, "occurred_at": "yesterday"}, '"occurred_at": ["Not a valid datetime."]'),
    ({**VALID, "source": None}, '"source": ["Field may not be null."]'),
    ({**VALID, "key": "abc"}, '"key": ["Must be a positive numeric id for order."]'),
])
def test_what_the_check_is_unsure_of_gets_the_schema_s_explanation(data, message):
    with pytest.raises(MalformedMessage) as caught:
        Notification.from_dict(data)
    assert message in caught.value.message


STOCK_BY_ID = {"id": "evt-7", "entity": "stock", "action": "save", "key": 42, "key_type": "product_id"}


def test_a_stock_notification_keyed_by_product_id_round_trips_with_its_key_type():
    parsed = Notification.from_dict(STOCK_BY_ID)
    assert (parsed.key, parsed.key_type) == ("42", "product_id")
    assert json.loads(parsed.to_body())["key_type"] == "product_id"
    assert Notification.from_body(parsed.to_body()) == parsed
    assert Notification.from_dict({**STOCK_BY_ID, "key": " 42 "}).key == "42"


def test_a_product_id_key_is_a_record_of_its_own_and_resolves_to_the_usual_key():
    by_id = Notification.from_dict(STOCK_BY_ID)
    assert by_id.record == ("stock product_id", "42") != Notification("e", "stock", "save", "42").record
    resolved = by_id.keyed_by("MB-01")
    assert (resolved.key, resolved.key_type, resolved.id) == ("MB-01", None, "evt-7")
    assert resolved.record == ("stock", "MB-01")


@pytest.mark.parametrize("note", [
    Notification("evt-1", "product", "save", "24-MB 01", "2026-01-02T03:04:05Z", "default", "backfill"),
    Notification("evt-2", "order", "delete", "17"),
    Notification("evt-3", "stock", "save", "S 1", source="adobe-io"),
])
def test_bodies_without_a_key_type_are_byte_identical_to_before(note):
    before = {name: value for name, value in vars(note).items() if name != "key_type" and value is not None}
    assert note.to_body() == json.dumps(before, separators=(",", ":"), sort_keys=True).encode()
    assert b"key_type" not in note.to_body() and "key_type" not in note.to_dict()


def test_bodies_with_a_key_type_never_skip_the_schema():
    assert not plainly_valid(STOCK_BY_ID)
    assert not plainly_valid({**STOCK_BY_ID, "key_type": None})


@pytest.mark.parametrize("data, message", [
    ({**STOCK_BY_ID, "entity": "product"}, '"key_type": ["Only stock notifications may be keyed by product_id, not '
                                          'product."]'),
    ({**STOCK_BY_ID, "key": "MB-01"}, '"key": ["Must be a positive numeric product id for stock."]'),
    ({**STOCK_BY_ID, "key_type": "sku"}, '"key_type": ["Must be one of: product_id'),
])
def test_a_bad_key_type_in_a_queued_body_is_a_malformed_message(data, message):
    with pytest.raises(MalformedMessage) as caught:
        Notification.from_body(json.dumps(data).encode())
    assert message in caught.value.message


def test_key_problems_know_the_key_type():
    assert key_problem("stock", "MB-01") is None
    assert key_problem("stock", "MB-01", "product_id") == "must be a positive numeric product id for stock"
    assert key_problem("stock", 42, "product_id") is None
    assert key_type_problem("stock", "product_id") is None and key_type_problem("order", None) is None
    assert "not order" in key_type_problem("order", "product_id")


def test_limits_count_utf8_bytes_not_characters():
    assert identifier_problem("é" * 127 + "e") is None  # 255 bytes
    assert identifier_problem("é" * 128) == "must be at most 255 bytes in UTF-8 (got 256)"
    assert key_problem("product", "€" * 340) is None  # 1020 bytes: any 255-character key passes
    assert key_problem("product", "€" * 341) == "must be at most 1020 bytes in UTF-8 (got 1023)"


@pytest.mark.parametrize("text", ["a\x00", "a\x1b[31m", "a\x7f", "a\x9b", "a\ud800"])
def test_control_characters_and_lone_surrogates_are_refused_in_ids_and_keys(text):
    assert identifier_problem(text) == "must not contain control characters"
    assert key_problem("product", text) == "must not contain control characters"
    assert not plainly_valid({"id": text, "entity": "product", "action": "save", "key": "A"})


def test_a_time_an_offset_pushes_past_the_calendar_is_a_problem():
    import datetime as dt

    assert moment_problem(dt.datetime.fromisoformat("0001-01-01T00:30:00+01:00"))
    assert moment_problem(dt.datetime.fromisoformat("0001-01-01T01:30:00+01:00")) is None
    assert not plainly_valid({"id": "e", "entity": "product", "action": "save", "key": "A",
                              "occurred_at": "9999-12-31T23:59:59-01:00"})


def test_a_change_from_the_erp_carries_its_origin_and_names_its_stream():
    note = Notification.from_dict({"id": "e", "entity": "stock", "action": "save", "key": "MB-01", "origin": "erp",
                                   "source": "erp-poll"})
    assert (note.origin, note.stream, note.record, note.routing_key) == ("erp", "erp.stock", ("erp.stock", "MB-01"),
                                                                         "stock.save")
    assert Notification.from_body(note.to_body()) == note


def test_a_change_from_magento_keeps_its_body_without_an_origin():
    note = Notification("e", "stock", "save", "MB-01")
    assert (note.origin, note.stream, note.record) == (None, "stock", ("stock", "MB-01"))
    assert b"origin" not in note.to_body()


@pytest.mark.parametrize("data, field, message", [
    ({"entity": "order", "key": "1", "origin": "erp"}, "entity", "Changes from the ERP are synced for: stock."),
    ({"entity": "stock", "key": "S", "origin": "odoo"}, "origin",
     "Must be one of: erp (or left out for a change in Magento)."),
])
def test_a_wrong_origin_is_explained(data: dict[str, Any], field: str, message: str) -> None:
    problems = NotificationSchema().validate({"id": "e", "action": "save", **data})
    assert problems == {field: [message]}
    with pytest.raises(MalformedMessage):
        Notification.from_dict({"id": "e", "action": "save", **data})
