"""Sale orders: confirmation and its delivery, cancellation (and its wizard), Odoo's line rules."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import UserError


@pytest.fixture
def order(env):
    partner = env["res.partner"].create({"name": "Buyer"})
    goods = env["product.product"].create({"name": "Goods", "detailed_type": "product", "list_price": 10.0})
    service = env["product.product"].create({"name": "Setup", "detailed_type": "service", "list_price": 50.0})
    return env["sale.order"].create({"partner_id": partner, "order_line": [
        (0, 0, {"product_id": goods, "product_uom_qty": 2}), (0, 0, {"product_id": service})]})


def test_an_order_is_numbered_and_its_lines_take_the_products_price_name_and_taxes(env, order):
    row = env["sale.order"].read([order], ["name", "state", "amount_untaxed", "amount_tax", "amount_total",
                                           "partner_invoice_id", "partner_shipping_id", "currency_id"])[0]
    lines = env["sale.order.line"].search_read([("order_id", "=", order)], ["name", "price_unit", "tax_id"])

    assert (row["name"], row["state"], row["amount_untaxed"]) == ("S00001", "draft", 70.0)
    assert row["amount_tax"] == pytest.approx(10.5) and row["amount_total"] == pytest.approx(80.5)
    assert row["partner_invoice_id"] == row["partner_shipping_id"]
    assert row["currency_id"][1] == "USD"
    assert [line["name"] for line in lines] == ["Goods", "Setup"]
    assert all(line["tax_id"] == [env.ref("account.1_sale_tax_template")] for line in lines)


def test_confirming_creates_a_delivery_for_goods_only_waiting_for_stock(env, order):
    assert env["sale.order"].action_confirm([order]) is True
    row = env["sale.order"].read([order], ["state", "picking_ids"])[0]
    picking = env["stock.picking"].read(row["picking_ids"], ["name", "state", "picking_type_code", "move_ids",
                                                             "origin"])[0]
    moves = env["stock.move"].read(picking["move_ids"], ["product_uom_qty", "state"])

    assert row["state"] == "sale"
    assert (picking["name"], picking["state"], picking["picking_type_code"]) == ("WH/OUT/00001", "confirmed",
                                                                                 "outgoing")
    assert picking["origin"] == "S00001"
    assert [(m["product_uom_qty"], m["state"]) for m in moves] == [(2.0, "confirmed")]


def test_lines_of_a_confirmed_order_cannot_be_removed_but_can_be_zeroed(env, order):
    env["sale.order"].action_confirm([order])
    line = env["sale.order"].read([order], ["order_line"])[0]["order_line"][0]

    with pytest.raises(UserError, match="Once a sales order is confirmed, you can't remove one of its lines"):
        env["sale.order"].write([order], {"order_line": [(2, line, 0)]})
    env["sale.order"].write([order], {"order_line": [(1, line, {"product_uom_qty": 0})]})
    picking = env["sale.order"].read([order], ["picking_ids"])[0]["picking_ids"]
    move = env["stock.picking"].read(picking, ["move_ids"])[0]["move_ids"]
    assert env["stock.move"].read(move, ["product_uom_qty"])[0]["product_uom_qty"] == 0.0


def test_cancelling_a_confirmed_order_opens_the_wizard_unless_disabled(env, order):
    env["sale.order"].action_confirm([order])

    wizard = env["sale.order"].action_cancel([order])
    assert wizard["res_model"] == "sale.order.cancel"
    assert env["sale.order"].read([order], ["state"])[0]["state"] == "sale"
    assert env["sale.order"].with_context(disable_cancel_warning=True).action_cancel([order]) is True
    row = env["sale.order"].read([order], ["state", "picking_ids"])[0]
    assert row["state"] == "cancel"
    assert env["stock.picking"].read(row["picking_ids"], ["state"])[0]["state"] == "cancel"


def test_confirmed_orders_cannot_be_deleted_or_confirmed_once_cancelled(env, order):
    env["sale.order"].action_confirm([order])

    with pytest.raises(UserError, match="You can not delete a sent quotation or a confirmed sales order"):
        env["sale.order"].unlink([order])
    env["sale.order"].with_context(disable_cancel_warning=True).action_cancel([order])
    with pytest.raises(UserError, match="not allowed to confirm an order in the following states: cancel"):
        env["sale.order"].action_confirm([order])
    env["sale.order"].action_draft([order])
    assert env["sale.order"].read([order], ["state"])[0]["state"] == "draft"


def test_a_line_needs_a_product_unless_it_is_a_note(env, order):
    env["sale.order"].write([order], {"order_line": [(0, 0, {"name": "A note", "display_type": "line_note"})]})

    with pytest.raises(Exception, match="Missing required fields on accountable sale order line"):
        env["sale.order"].write([order], {"order_line": [(0, 0, {"name": "No product"})]})
