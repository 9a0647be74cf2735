"""Order building from compact seed entries: item rows, money, addresses, taxes."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.magento.order_build import build_order, money
from sandbox.magento.seeding import load
from sandbox.magento.store import Store


@pytest.fixture
def store() -> Store:
    store = Store(lambda: dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
    load(store, "demo")
    return store


def spec(**extra) -> dict:
    base = {"entity_id": 90, "increment_id": "000000190", "created_at": "2024-06-01 10:00:00",
            "updated_at": "2024-06-01 10:00:00", "customer_id": 1, "billing_from": 1, "shipping_from": 2,
            "shipping": {"method": "flatrate_flatrate", "description": "Flat Rate - Fixed", "amount": 5},
            "lines": [{"sku": "NW-COOK-KIT", "qty": 2, "tax_percent": 10, "children": [
                {"sku": "NW-STOVE", "qty": 1, "price": 50}, {"sku": "NW-FUEL-230", "qty": 2, "price": 5}]},
                {"sku": "NW-PARKA", "child": "NW-PARKA-S-Red", "qty": 1, "price": 100, "tax_percent": 10}]}
    base.update(extra)
    return base


def test_money_rounds_to_cents_and_prints_integers_plainly():
    assert (money(2.675), money(5.0), money(0.1 + 0.2)) == (2.68, 5, 0.3)


def test_dynamic_bundle_parent_sums_its_children_and_leaves_tax_on_them(store):
    order = build_order(spec(), store)
    bundle, stove, fuel = order["items"][:3]
    assert (stove["qty_ordered"], fuel["qty_ordered"]) == (2, 4)
    assert bundle["row_total"] == stove["row_total"] + fuel["row_total"] == 120 and bundle["price"] == 60
    assert bundle["tax_amount"] == 0 and stove["tax_amount"] + fuel["tax_amount"] == 12
    assert bundle["sku"] == "NW-COOK-KIT-NW-STOVE-NW-FUEL-230"
    selections = bundle["product_option"]["extension_attributes"]["bundle_options"]
    assert [(entry["option_id"], entry["option_qty"]) for entry in selections] == [(1, 1), (2, 2)]


def test_totals_count_each_sold_line_once(store):
    order = build_order(spec(), store)
    assert order["subtotal"] == 220 and order["tax_amount"] == 22 and order["grand_total"] == 247
    assert order["total_item_count"] == 2 and order["total_qty_ordered"] == 3


def test_discount_comes_before_tax(store):
    order = build_order(spec(discount_percent=10, lines=[{"sku": "NW-STOVE", "qty": 1, "price": 100,
                                                          "tax_percent": 10}]), store)
    assert order["discount_amount"] == -10 and order["tax_amount"] == 9 and order["grand_total"] == 104


def test_addresses_come_from_the_customer(store):
    order = build_order(spec(), store)
    shipping = order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert order["billing_address"]["customer_address_id"] == 1 and shipping["customer_address_id"] == 2
    assert shipping["parent_id"] == 90 and shipping["email"] == "alice.mercer@example.com"
    assert "region_id" not in shipping  # a Dutch address has no region
