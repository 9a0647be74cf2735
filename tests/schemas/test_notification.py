"""NotificationSchema: the bridge's notification format, its field messages, and the optional key_type."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.notification import NotificationSchema

STOCK_BY_PRODUCT_ID = {"id": "evt-1", "entity": "stock", "action": "save", "key": "42", "key_type": "product_id"}


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
    ("sku", "Must be one of: product_id (or left out for the usual key)."),
    ("", "Must be one of: product_id (or left out for the usual key)."),
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


def test_a_product_id_key_that_is_not_numeric_is_explained() -> None:
    assert problems({**STOCK_BY_PRODUCT_ID, "key": "MB-01"}) == {
        "key": ["Must be a positive numeric product id for stock."]}
