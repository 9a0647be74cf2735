"""Pure mapping of the sales documents (orders, invoices, credit memos, shipments) to Odoo values."""

from __future__ import annotations

import pytest

from consumers.erp import odoo_sales_values as sales_values


@pytest.mark.parametrize(("state", "target"), [("processing", "sale"), ("complete", "sale"), ("closed", "sale"),
                                               ("canceled", "cancel"), ("new", None), ("holded", None),
                                               ("pending_payment", None), (None, None)])
def test_order_target_state(state, target):
    assert sales_values.order_target_state(state) == target


def test_discount_is_a_percentage_of_the_row(documents):
    assert sales_values.discount_percent(documents.line(1, "A", qty=2, price=50, discount_amount=25)) == 25.0
    assert sales_values.discount_percent(documents.line(1, "A", qty=0, price=50, discount_amount=25)) == 0.0


def test_order_lines_bind_by_item_and_add_shipping(documents):
    order = documents.order(lines=[documents.line(1, "A", components=["A1", "A2"])])

    wanted = sales_values.order_lines(order, {"A": 11}, shipping_product=99)

    assert [name for name, _ in wanted] == ["line_order_1", "shipping_order_9001"]
    assert wanted[0][1] == {"product_id": 11, "name": "[A] Trail A\n- A1\n- A2", "sequence": 10,
                            "product_uom_qty": 1.0, "price_unit": 34.0, "discount": 0.0, "tax_id": [(6, 0, [])]}
    assert wanted[1][1]["price_unit"] == 7.5 and wanted[1][1]["sequence"] == 20
    assert len(sales_values.order_lines({**order, "shipping_amount": 0}, {"A": 11}, 99)) == 1


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
    doc = documents.creditmemo(discount_amount=-4)

    assert sales_values.move_vals(doc, move_type="out_refund", partner_id=3, origin="S00001", currency_id=None) == {
        "move_type": "out_refund", "partner_id": 3, "ref": "300071", "invoice_origin": "S00001",
        "invoice_date": "2024-02-11"}
    assert sales_values.move_line_vals(doc["lines"][0], 12, 40) == {
        "name": "[TR-2] Trail TR-2", "quantity": 1.0, "price_unit": 20.0, "tax_ids": [(6, 0, [])],
        "product_id": 12, "sale_line_ids": [(6, 0, [40])]}
    assert [(line["name"], line["price_unit"]) for line in sales_values.move_extra_lines(doc, 99, None)] == [
        ("Discount", -4.0), ("Adjustment refund", 3.0), ("Adjustment fee", -5.0)]


def test_move_target_state():
    assert sales_values.move_target_state(3) == "cancel"
    assert sales_values.move_target_state(1) == sales_values.move_target_state(2) == "posted"


def test_tracking_reference_adds_numbers_once():
    tracks = [{"number": "A1"}, {"number": "B2"}, {"number": None}]

    assert sales_values.tracking_reference(False, tracks) == "A1,B2"
    assert sales_values.tracking_reference("Z9, A1", tracks) == "Z9,A1,B2"
    assert sales_values.tracking_reference(False, []) is None
