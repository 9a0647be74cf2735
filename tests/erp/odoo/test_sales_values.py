"""Pure mapping of the sales documents (orders, invoices, credit memos, shipments) to Odoo values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp.odoo import pricing, sales_values
from erp.odoo.amounts import Tax
from erp.odoo.version import Dialect


@pytest.mark.parametrize(("state", "target"), [("processing", "sale"), ("complete", "sale"), ("closed", "sale"),
                                               ("canceled", "cancel"), ("new", None), ("holded", None),
                                               ("pending_payment", None), (None, None)])
def test_order_target_state(state, target):
    assert sales_values.order_target_state(state) == target


def _priced(doc, entity="order"):
    def taxes(rate, include, codes=()):
        return Tax(int(rate * 100), Decimal(rate), price_include=include)
    return pricing.price_order(doc, taxes) if entity == "order" else pricing.price_move(doc, taxes, entity)


@pytest.mark.parametrize(("major", "taxes_field"), [(17, "tax_id"), (18, "tax_ids")])
def test_order_lines_bind_by_item_and_add_shipping(documents, major, taxes_field):
    item = documents.line(1, "A", components=["A1", "A2"], tax_percent=10, tax_amount=3.4, discount_amount=3.4)
    order = documents.order(lines=[item], grand_total=34 - 3.4 + 3.06 + 7.5)

    wanted = sales_values.order_lines(order, _priced(order), {"A": 11}, {"shipping": 99}, Dialect(major))

    assert [name for name, _ in wanted] == ["line_order_1", "shipping_order_9001"]
    assert wanted[0][1] == {"product_id": 11, "name": "[A] Trail A\n- A1\n- A2", "sequence": 10,
                            "product_uom_qty": 1.0, "price_unit": 34.0, "discount": 10.0, taxes_field: [(6, 0, [1000])]}
    assert wanted[1][1]["price_unit"] == 7.5 and wanted[1][1]["sequence"] == 20
    assert wanted[1][1]["product_id"] == 99 and wanted[1][1][taxes_field] == [(6, 0, [])]


def test_service_lines_of_an_order_are_bound_per_order(documents):
    order = documents.order(lines=[documents.line(1, "A")], grand_total=34 + 7.5 - 5, gift_cards_amount=5)

    wanted = sales_values.order_lines(order, _priced(order), {"A": 11}, {"shipping": 99, "gift_card": 98},
                                      Dialect(17))

    assert [name for name, _ in wanted] == ["line_order_1", "shipping_order_9001", "gift_card_order_9001"]


def test_line_commands_update_bound_lines_and_create_new_ones():
    wanted = [("line_order_1", {"q": 1}), ("line_order_2", {"q": 2})]

    commands, created = sales_values.plan_line_commands(wanted, {"line_order_1": 50}, [50], confirmed=False)

    assert commands == [(1, 50, {"q": 1}), (0, 0, {"q": 2})]
    assert created == ["line_order_2"]


def test_lines_gone_from_magento_are_removed_from_quotations_and_zeroed_on_confirmed_orders():
    wanted = [("line_order_1", {"q": 1})]

    assert sales_values.plan_line_commands(wanted, {"line_order_1": 50}, [50, 51], confirmed=False)[0][-1] == (2, 51, 0)
    assert sales_values.plan_line_commands(wanted, {"line_order_1": 50}, [50, 51], confirmed=True)[0][-1] == (
        1, 51, {"product_uom_qty": 0.0})


def test_a_binding_to_a_line_of_another_order_is_not_reused():
    commands, created = sales_values.plan_line_commands([("line_order_1", {"q": 1})], {"line_order_1": 77}, [50], False)

    assert commands == [(0, 0, {"q": 1}), (2, 50, 0)] and created == ["line_order_1"]


def test_move_vals_and_lines(documents):
    doc = documents.creditmemo(refund_to_store_credit=True, customer_balance_refunded=18.0)

    assert sales_values.move_vals(doc, move_type="out_refund", partner_id=3, origin="S00001", currency_id=None) == {
        "move_type": "out_refund", "partner_id": 3, "ref": "300071", "invoice_origin": "S00001",
        "invoice_date": "2024-02-11"}
    lines = sales_values.move_lines(_priced(doc, "creditmemo"), {"TR-2": 12}, {"adjustment": 97},
                                    {"line_order_2": 40}, "9001")
    assert lines[0] == {"name": "[TR-2] Trail TR-2", "quantity": 1.0, "price_unit": 20.0, "discount": 0.0,
                        "tax_ids": [(6, 0, [])], "product_id": 12, "sale_line_ids": [(6, 0, [40])]}
    assert [(line["name"], line["price_unit"], line["product_id"]) for line in lines[1:]] == [
        ("Adjustment refund", 3.0, 97), ("Adjustment fee", -5.0, 97)]
    assert sales_values.move_narration(doc) == "Refunded to store credit in Magento: 18.0 USD"
    assert sales_values.move_narration(documents.invoice()) is None


def test_move_target_state():
    assert sales_values.move_target_state(3) == "cancel"
    assert sales_values.move_target_state(1) == sales_values.move_target_state(2) == "posted"


def test_tracking_reference_adds_numbers_once():
    tracks = [{"number": "A1"}, {"number": "B2"}, {"number": None}]

    assert sales_values.tracking_reference(False, tracks) == "A1,B2"
    assert sales_values.tracking_reference("Z9, A1", tracks) == "Z9,A1,B2"
    assert sales_values.tracking_reference(False, []) is None


def test_tracks_go_into_the_note_once_with_carrier_code_and_title():
    tracks = [{"number": "1Z-81", "carrier_code": "ups", "title": "United Parcel Service"},
              {"number": "94-2", "carrier_code": "usps", "title": None}]

    note = sales_values.tracking_note(False, tracks)

    assert note == "<p>Tracking 1Z-81: United Parcel Service (ups)</p><p>Tracking 94-2: (usps)</p>"
    assert sales_values.tracking_note(note, tracks) is None
    odd = sales_values.tracking_note(note, tracks + [{"number": "X<1>", "carrier_code": "dhl", "title": "D&L"}])
    assert odd.endswith("<p>Tracking X&lt;1&gt;: D&amp;L (dhl)</p>")
    assert sales_values.tracking_note(odd, [{"number": "X<1>", "carrier_code": "dhl", "title": "D&L"}]) is None


def test_shipped_quantities_follow_the_order_lines_and_leave_the_rest():
    moves = [{"id": 1, "product_id": [11, "A"], "sale_line_id": [501, "x"]},
             {"id": 2, "product_id": [12, "B"], "sale_line_id": [502, "x"]},
             {"id": 3, "product_id": [13, "C"], "sale_line_id": False}]
    shipped = [{"order_item_id": 1, "sku": "A", "qty": 2}, {"order_item_id": 9, "sku": "C", "qty": 1}]

    assert sales_values.shipped_quantities(moves, shipped, {1: 501, 2: 502}, {"C": 13}) == {1: 2.0, 2: 0.0, 3: 1.0}


def test_a_bundle_written_as_components_ships_its_components():
    moves = [{"id": 1, "product_id": [21, "CH-A"], "sale_line_id": [611, "x"]},
             {"id": 2, "product_id": [22, "CH-B"], "sale_line_id": [612, "x"]}]
    shipped = [{"order_item_id": 10, "sku": "BUNDLE", "qty": 2, "component_lines": [
        {"magento_item_id": 11, "sku": "CH-A", "qty": 1}, {"magento_item_id": 12, "sku": "CH-B", "qty": 2}]}]

    assert sales_values.shipped_quantities(moves, shipped, {11: 611, 12: 612}, {}) == {1: 2.0, 2: 4.0}
