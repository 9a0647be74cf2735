"""Order rows from line specs: which rows are priced, SKUs of bundles and custom options, options."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.magento.order_lines import Context, build_rows
from sandbox.magento.scenarios import _products
from sandbox.magento.seeding import load
from sandbox.magento.store import Store


@pytest.fixture
def context() -> Context:
    store = Store(lambda: dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    load(store, "demo")
    _products(store)
    return Context(store, 90, "2024-06-01 10:00:00", 0)


def test_custom_options_extend_the_row_sku_and_price(context):
    (row,) = build_rows([{"sku": "24-MB01", "qty": 1, "price": 34, "options": [
        {"option_id": 1, "value": "For Anna", "price": 5, "sku": "engraved"}]}], context)
    assert row.item["sku"] == "24-MB01-engraved" and row.unit.price == 39
    assert row.item["product_id"] == context.store.product("24-MB01")["id"]
    assert row.item["product_option"]["extension_attributes"]["custom_options"] == [
        {"option_id": "1", "option_value": "For Anna"}]


def test_dynamic_bundle_children_are_priced_and_fixed_bundle_parents(context):
    dynamic = build_rows([{"sku": "NW-COOK-KIT", "qty": 2, "children": [
        {"sku": "NW-STOVE", "qty": 1, "price": 50}, {"sku": "NW-FUEL-230", "qty": 2, "price": 5}]}], context)
    assert [row.role for row in dynamic] == ["dynamic_parent", "money", "money"]
    assert [row.unit.qty for row in dynamic[1:]] == [2, 4]
    fixed = build_rows([{"sku": "NW-FIRST-AID", "qty": 1, "price": 49, "price_type": "fixed", "children": [
        {"sku": "NW-FUEL-230", "qty": 1}, {"sku": "NW-BOTTLE-750", "qty": 1}]}], context)
    assert [row.role for row in fixed] == ["money", "fixed_child", "fixed_child"] and fixed[0].unit.price == 49
    assert fixed[0].item["sku"] == "NW-FIRST-AID-NW-FUEL-230-NW-BOTTLE-750"


def test_configurable_child_follows_its_parent(context):
    parent, child = build_rows([{"sku": "NW-PARKA", "child": "NW-PARKA-M-Red", "qty": 1, "price": 189}], context)
    assert (parent.item["sku"], parent.item["product_type"], child.role) == ("NW-PARKA-M-Red", "configurable",
                                                                             "configurable_child")
    assert child.item["parent_item_id"] == parent.item["item_id"]
    assert parent.item["product_option"]["extension_attributes"]["configurable_item_options"]


def test_an_unknown_sku_is_a_clear_error(context):
    with pytest.raises(ValueError, match="NW-NOPE"):
        build_rows([{"sku": "NW-NOPE", "qty": 1, "price": 1}], context)
