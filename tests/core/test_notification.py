"""Notifications: what a queued message body may hold, and how keys are normalised."""

from __future__ import annotations

import json

import pytest

from core.errors import MalformedMessage
from core.notification import Notification, key_problem, normalise_key


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
    ("customer", "x" * 300, "255"),
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
