"""Stock items: the SKU the fetcher adds, Magento's loose flags and ids."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from schemas.stock import STOCK_FIELDS, StockSchema


def test_stock_item_maps_with_the_fetchers_sku(record):
    document = StockSchema().load(record("stock_item.json"))
    assert document == {"sku": "FJ-PARKA-M-Red", "item_id": 412, "product_id": 412, "qty": 12.5, "is_in_stock": True,
                        "manage_stock": True, "is_qty_decimal": True, "backorders": None}
    assert set(document) == set(STOCK_FIELDS)


def test_stock_item_without_the_fetchers_sku_says_why(record):
    stock = record("stock_item.json")
    del stock["_bridge"]
    with pytest.raises(ValidationError) as caught:
        StockSchema().load(stock)
    assert "_bridge" in caught.value.messages["_bridge"][0]


def test_out_of_stock_with_unknown_quantity(record):
    stock = record("stock_item.json")
    stock.update(qty=None, is_in_stock=False)
    document = StockSchema().load(stock)
    assert (document["qty"], document["is_in_stock"]) == (None, False)


def test_is_in_stock_is_required(record):
    stock = record("stock_item.json")
    del stock["is_in_stock"]
    with pytest.raises(ValidationError) as caught:
        StockSchema().load(stock)
    assert caught.value.messages == {"is_in_stock": ["Missing data for required field."]}


def test_unmanaged_item_says_so_and_keeps_magentos_quantity(record):
    stock = record("stock_item.json")
    stock.update(manage_stock=0, qty=0, backorders="1")
    document = StockSchema().load(stock)
    assert (document["manage_stock"], document["qty"], document["backorders"]) == (False, 0, 1)


def test_decimal_quantity_is_never_truncated(record):
    stock = record("stock_item.json")
    stock.update(qty="7.2500", is_qty_decimal="1")
    document = StockSchema().load(stock)
    assert (document["qty"], document["is_qty_decimal"]) == (7.25, True)


def test_flags_absent_from_an_old_record_are_unknown_not_false(record):
    stock = record("stock_item.json")
    del stock["manage_stock"], stock["is_qty_decimal"]
    document = StockSchema().load(stock)
    assert (document["manage_stock"], document["is_qty_decimal"], document["backorders"]) == (None, None, None)


def test_backorders_must_be_a_whole_number(record):
    stock = record("stock_item.json")
    stock["backorders"] = "sometimes"
    with pytest.raises(ValidationError) as caught:
        StockSchema().load(stock)
    assert "backorders" in caught.value.messages
