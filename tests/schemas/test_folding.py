"""sold_lines: invoices, credit memos and shipments folded like orders (through the order's rows, or the
fallback reading of the list), never pricing a dummy row, rows of quantity 0 left out."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from core.errors import MappingError
from schemas.folding import CREDITMEMO_SOLD_LINE_FIELDS, SHIPPED_SOLD_LINE_FIELDS, SOLD_LINE_FIELDS, project, sold_lines
from schemas.mapping import map_record
from schemas.sales import InvoiceSchema
from schemas.totals import totals_identity
from tests.schemas.conftest import read_fixture


def mapped(entity, name, **changes):
    record = read_fixture(name)
    record.update(changes)
    return map_record(entity, record)


def test_an_invoiced_configurable_is_one_line_of_the_child_product():
    document = mapped("invoice", "invoice.configurable.json")
    assert len(document["lines"]) == 3  # Magento's rows, unchanged
    (fleece,) = document["sold_lines"]  # the cap's row has quantity 0: not invoiced here
    assert set(fleece) == set(SOLD_LINE_FIELDS)
    assert (fleece["order_item_id"], fleece["sku"], fleece["product_id"], fleece["product_sku"], fleece["qty"]) == (
        1001, "NL-FLEECE-M-Green", 1102, "NL-FLEECE-M-Green", 1)
    assert (fleece["row_total"], fleece["tax_amount"], fleece["tax_percent"], fleece["price_incl_tax"]) == (
        70, 5.78, 8.25, 75.78)
    assert fleece["description"] == "Polar Fleece-M-Green\n61\n174"  # the order row's options


def test_a_refunded_configurable_is_one_line_back_to_stock():
    (fleece,) = mapped("creditmemo", "creditmemo.store-credit.json")["sold_lines"]
    assert set(fleece) == set(CREDITMEMO_SOLD_LINE_FIELDS)
    assert (fleece["sku"], fleece["qty"], fleece["row_total"], fleece["back_to_stock"]) == (
        "NL-FLEECE-M-Green", 1, 70, True)


def test_an_invoiced_dynamic_bundle_takes_its_childrens_money_once():
    (kit,) = mapped("invoice", "invoice.bundle-coupon.json")["sold_lines"]
    assert (kit["order_item_id"], kit["product_sku"], kit["qty"], kit["price_type"]) == (921, "NL-SKI-KIT", 2,
                                                                                          "dynamic")
    assert (kit["row_total"], kit["discount_amount"], kit["tax_amount"], kit["tax_percent"]) == (200, 20, 14.85, 8.25)
    assert [(c["magento_item_id"], c["sku"], c["qty"], c["qty_ordered"]) for c in kit["component_lines"]] == [
        (922, "NL-WAX", 1, 2), (923, "NL-POLE", 2, 4)]


def test_the_fallback_folds_the_same_invoice_without_the_orders_rows():
    with_rows = mapped("invoice", "invoice.bundle-coupon.json")["sold_lines"]
    without = mapped("invoice", "invoice.bundle-coupon.json", _bridge=None)["sold_lines"]
    money = ("order_item_id", "sku", "qty", "row_total", "discount_amount", "tax_amount", "tax_percent", "price_type",
             "components")
    assert [{name: line[name] for name in money} for line in without] == [
        {name: line[name] for name in money} for line in with_rows]
    assert without[0]["product_sku"] == "NL-SKI-KIT"  # derived from the row SKU and its components


def test_the_fallback_takes_a_configurable_child_as_the_product_sold():
    (fleece, ) = mapped("invoice", "invoice.configurable.json", _bridge=None)["sold_lines"]
    assert (fleece["order_item_id"], fleece["product_id"], fleece["qty"], fleece["row_total"]) == (1001, 1102, 1, 70)
    assert fleece["tax_percent"] == 8.2571  # derived from 5.78 / 70 without the order row's 8.25


def test_the_fallback_folds_fixed_bundle_children_into_their_bundle():
    items = [
        {"order_item_id": 931, "sku": "NL-GIFT-BOX", "name": "Gift Box", "qty": 1, "price": 150, "row_total": 150,
         "tax_amount": 12.38, "discount_amount": 0},
        {"order_item_id": 932, "sku": "NL-SOCKS", "name": "Wool Socks", "qty": 2, "price": 0},
        {"order_item_id": 933, "sku": "NL-HAT", "name": "Knit Hat", "qty": 1, "price": 0},
        {"order_item_id": 934, "sku": "NL-MAP", "name": "Trail Map", "qty": 1, "price": 5, "row_total": 5}]
    box, trail_map = sold_lines(items, {})
    assert (box["row_total"], box["components"], box["price_type"]) == (150, ["NL-SOCKS", "NL-HAT"], "fixed")
    assert [(c["sku"], c["qty"]) for c in box["component_lines"]] == [("NL-SOCKS", 2), ("NL-HAT", 1)]
    assert (trail_map["sku"], trail_map["row_total"], trail_map["components"]) == ("NL-MAP", 5, [])


def test_an_item_of_a_row_the_order_does_not_have_is_named():
    record = read_fixture("invoice.configurable.json")
    record["items"][2]["order_item_id"] = 9999
    with pytest.raises(ValidationError) as caught:
        InvoiceSchema().load(record)
    assert "Order item 9999 is not among the order's rows" in str(caught.value.messages["items"][2])


def test_bundle_parts_billed_without_their_parent_row_are_lines_of_their_own():
    record = read_fixture("invoice.bundle-coupon.json")
    del record["items"][0]  # parts refunded one by one: the bundle's own row is not listed
    record.update(grand_total=194.85, shipping_amount=0)
    document = map_record("invoice", record)
    assert [(line["order_item_id"], line["sku"], line["qty"], line["row_total"], line["discount_amount"],
             line["tax_percent"]) for line in document["sold_lines"]] == [
        (921, "NL-WAX", 2, 120, 12, 8.25), (921, "NL-POLE", 4, 80, 8, 8.25)]
    assert totals_identity(document).ok


def test_a_child_without_money_billed_without_its_parent_row_is_refused():
    record = read_fixture("invoice.configurable.json")
    del record["items"][0]
    with pytest.raises(MappingError, match="Order row 1001 is billed through child rows without money"):
        map_record("invoice", record)


@pytest.mark.parametrize("bridged", [True, False])
def test_a_dynamic_bundle_row_billed_without_its_priced_components_is_refused(bridged):
    record = read_fixture("invoice.bundle-coupon.json")
    record["items"] = record["items"][:1]  # the bundle's own row (no row_total) without the rows carrying its money
    if not bridged:
        record["_bridge"] = None
    with pytest.raises(MappingError, match=r"Order row 921 is billed \(qty 2, price 100\) without a row carrying "
                                           "its money"):
        map_record("invoice", record)


def test_a_shipment_with_two_tracks_and_a_partial_quantity():
    document = mapped("shipment", "shipment.two-tracks.json")
    assert [(track["number"], track["carrier_code"], track["title"], track["magento_id"]) for track in
            document["tracks"]] == [("PP-100-2001", "custom", "Polar Post", 71),
                                    ("1Z999AA10123456784", "ups", "United Parcel Service", 72)]
    assert document["tracks"][0]["description"] == "box 1 of 2"
    assert all(set(line) == set(SHIPPED_SOLD_LINE_FIELDS) for line in document["sold_lines"])
    assert [(line["order_item_id"], line["sku"], line["product_id"], line["qty"]) for line in
            document["sold_lines"]] == [(1001, "NL-FLEECE-M-Green", 1102, 1), (1003, "NL-CAP", 1110, 1)]  # 1 of 2


def test_a_shipment_without_the_orders_rows_folds_the_configurable_child():
    document = mapped("shipment", "shipment.json")
    assert [(line["order_item_id"], line["product_id"], line["qty"]) for line in document["sold_lines"]] == [
        (701, 412, 2), (703, 450, 3)]


def test_a_bundle_shipped_separately_lists_its_shipped_components():
    rows = [{"item_id": 921, "parent_item_id": None, "product_type": "bundle", "tax_percent": 0},
            {"item_id": 922, "parent_item_id": 921, "product_type": "simple", "tax_percent": 0}]
    rows = [{"sku": "S", "name": None, "product_id": None, **row} for row in rows]
    items = [{"order_item_id": 921, "sku": "KIT-WAX", "qty": 0, "price": None, "product_id": 820, "name": "Kit"},
             {"order_item_id": 922, "sku": "WAX", "qty": 2, "price": None, "product_id": 821, "name": "Wax"}]
    assert project(sold_lines(items, {"order_items": rows}, billed=False), SHIPPED_SOLD_LINE_FIELDS) == [
        {"order_item_id": 921, "sku": "WAX", "product_sku": "WAX", "product_id": 821, "name": "Wax", "qty": 2}]


def test_an_invoice_listing_only_the_configurable_parent_sells_the_child_of_the_order():
    record = read_fixture("invoice.configurable.json")
    del record["items"][1]  # some Magento versions list the parent row alone
    (fleece,) = map_record("invoice", record)["sold_lines"]
    assert (fleece["product_id"], fleece["name"], fleece["qty"], fleece["row_total"]) == (
        1102, "Polar Fleece-M-Green", 1, 70)
