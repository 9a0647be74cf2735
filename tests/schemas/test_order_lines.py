"""Order lines: taxes per line, tax-included prices, bundles (dynamic with a coupon, fixed), canceled
quantities, options in the description, the product sold by Magento's product id."""

from __future__ import annotations

import pytest

from schemas.order import OrderSchema
from schemas.order_lines import COMPONENT_LINE_FIELDS, ORDER_LINE_FIELDS, catalogue_sku, describe, item_options
from tests.schemas.conftest import ORDER_FIXTURES, read_fixture


def lines(name, **changes):
    record = read_fixture(name)
    record.update(changes)
    return OrderSchema().load(record)["lines"]


@pytest.mark.parametrize("name", ORDER_FIXTURES)
def test_every_line_and_component_has_the_contract_fields(name):
    for line in lines(name):
        assert set(line) == set(ORDER_LINE_FIELDS)
        assert all(set(component) == set(COMPONENT_LINE_FIELDS) for component in line["component_lines"])
        assert line["qty"] == line["qty_ordered"]


def test_a_multi_rate_line_lists_each_applied_tax():
    lamp, mugs = lines("order.multi-rate.json")
    assert (lamp["tax_percent"], lamp["tax_amount"], lamp["price_incl_tax"]) == (8.5, 8.5, 108.5)
    assert lamp["applied_taxes"] == [
        {"code": "US-WA-STATE", "title": "WA State", "percent": 6, "amount": 6},
        {"code": "US-WA-KING", "title": "King County", "percent": 2.5, "amount": 2.5}]
    assert [(tax["code"], tax["amount"]) for tax in mugs["applied_taxes"]] == [("US-WA-STATE", 4.8)]


def test_tax_included_prices_carry_both_prices_and_the_discount_tax_compensation():
    (scarf,) = lines("order.tax-included.json")
    money = (scarf["price"], scarf["price_incl_tax"], scarf["row_total"], scarf["row_total_incl_tax"],
             scarf["tax_amount"], scarf["discount_amount"], scarf["discount_tax_compensation_amount"],
             scarf["discount_percent"], scarf["tax_percent"])
    assert money == (50.34, 59.9, 50.34, 59.9, 8.61, 5.99, 0.95, 10, 19)


def test_a_dynamic_bundle_takes_its_childrens_discount_and_tax():
    (kit,) = lines("order.bundle-coupon.json")
    assert kit["price_type"] == "dynamic" and kit["product_type"] == "bundle"
    money = (kit["qty"], kit["row_total"], kit["discount_amount"], kit["tax_amount"], kit["tax_percent"],
             kit["row_total_incl_tax"])
    assert money == (2, 200, 20, 14.85, 8.25, 216.5)  # the parent row says 0 discount and 0 tax
    assert [(c["sku"], c["qty"], c["qty_ordered"], c["discount_amount"], c["tax_amount"])
            for c in kit["component_lines"]] == [("NL-WAX", 1, 2, 12, 8.91), ("NL-POLE", 2, 4, 8, 5.94)]
    assert kit["components"] == ["NL-WAX", "NL-POLE"] and kit["product_sku"] == "NL-SKI-KIT"
    assert [option["kind"] for option in kit["options"]] == ["bundle", "bundle"]
    assert kit["description"] == "Ski Care Kit"  # bundle selections are not printed


def test_a_dynamic_bundle_whose_children_have_different_rates_has_no_single_rate():
    record = read_fixture("order.bundle-coupon.json")
    record["items"][2]["tax_percent"] = 19
    (kit,) = OrderSchema().load(record)["lines"]
    assert kit["tax_percent"] is None and kit["tax_amount"] == 14.85
    assert [c["tax_percent"] for c in kit["component_lines"]] == [8.25, 19]


def test_a_dynamic_bundle_parent_with_its_own_sums_keeps_them():
    kit, _ = lines("order.bundle.json")  # this parent row already carries its children's sums
    assert (kit["price_type"], kit["row_total"], kit["discount_amount"], kit["tax_amount"]) == ("dynamic", 84, 8.4,
                                                                                                  6.93)


def test_a_fixed_bundle_is_priced_on_its_own_row_and_lists_its_components_per_unit():
    (box,) = lines("order.fixed-bundle.json")
    assert (box["price_type"], box["row_total"], box["tax_amount"], box["tax_percent"]) == ("fixed", 150, 12.38, 8.25)
    assert [(c["sku"], c["qty"], c["row_total"]) for c in box["component_lines"]] == [("NL-SOCKS", 2, 0),
                                                                                     ("NL-HAT", 1, 0)]


def test_a_partially_canceled_line_keeps_every_quantity():
    (boots,) = lines("order.partially-canceled.json")
    quantities = tuple(boots[name] for name in ("qty", "qty_ordered", "qty_canceled", "qty_invoiced", "qty_shipped",
                                                "qty_refunded"))
    assert quantities == (3, 3, 1, 2, 2, 0)


def test_custom_options_go_into_the_description_and_the_product_is_found_by_id():
    (bag,) = lines("order.custom-options.json")
    assert bag["sku"] == "24-MB01-engraved" and bag["product_id"] == 1
    assert bag["product_sku"] == "24-MB01"  # from _bridge.product_skus, not from the row SKU
    assert bag["options"] == [
        {"kind": "custom", "option_id": "3", "value": "Happy birthday, Ola", "label": None},
        {"kind": "custom", "option_id": "4", "value": "Gold", "label": "Thread"}]
    assert bag["description"] == "Joust Duffle Bag\nHappy birthday, Ola\nThread: Gold"


def test_without_the_fetchers_skus_the_row_sku_is_kept():
    (bag,) = lines("order.custom-options.json", _bridge=None)
    assert bag["product_sku"] == "24-MB01-engraved"


def test_a_configurable_line_sells_the_child_and_describes_its_options():
    fleece, cap = lines("order.fleece.json")
    assert (fleece["sku"], fleece["product_id"], fleece["magento_item_id"]) == ("NL-FLEECE-M-Green", 1102, 1001)
    assert fleece["description"] == "Polar Fleece-M-Green\n61\n174" and fleece["component_lines"] == []
    assert fleece["price_type"] is None and cap["options"] == []


def test_catalogue_sku_strips_components_listed_in_any_order():
    assert catalogue_sku("KIT-B-A", ["A", "B"]) == "KIT"
    assert catalogue_sku("KIT-A-B-C", ["A-B", "C"]) == "KIT"
    assert catalogue_sku("KIT-A", ["A", "B"]) == "KIT-A"  # B is not listed: the row SKU stays


def test_options_without_extension_attributes_are_none():
    assert item_options(None) == [] and item_options({"extension_attributes": None}) == []
    assert describe(None, []) == ""
