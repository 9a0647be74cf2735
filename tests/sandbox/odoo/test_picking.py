"""Deliveries validated for given quantities: reservation, button_validate, the backorder wizard and its context."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import UserError


@pytest.fixture
def product(env):
    product = env["product.product"].create({"name": "Box", "detailed_type": "product"})
    inventory = env.with_context(inventory_mode=True)["stock.quant"]
    quant = inventory.create({"product_id": product, "location_id": env.ref("stock.stock_location_stock"),
                              "inventory_quantity": 10})
    inventory.action_apply_inventory([quant])
    return product


@pytest.fixture
def order(env, product):
    partner = env["res.partner"].create({"name": "Buyer"})
    order = env["sale.order"].create({"partner_id": partner, "order_line": [
        (0, 0, {"product_id": product, "product_uom_qty": 5})]})
    env["sale.order"].action_confirm([order])
    return order


def _picking(env, order):
    return env["sale.order"].read([order], ["picking_ids"])[0]["picking_ids"][0]


def _ship(env, picking, quantity):
    move = env["stock.picking"].read([picking], ["move_ids"])[0]["move_ids"][0]
    env["stock.move"].write([move], {"quantity": quantity, "picked": True})


def _delivered(env, order):
    return env["sale.order.line"].search_read([("order_id", "=", order)], ["qty_delivered"])[0]["qty_delivered"]


def test_a_confirmed_order_reserves_stock_and_validates_in_full(env, order, product):
    picking = _picking(env, order)
    assert env["stock.picking"].read([picking], ["state"])[0]["state"] == "assigned"

    assert env["stock.picking"].button_validate([picking]) is True

    assert env["stock.picking"].read([picking], ["state"])[0]["state"] == "done"
    assert _delivered(env, order) == 5.0
    assert env["product.product"].read([product], ["qty_available"])[0]["qty_available"] == 5.0


def test_a_short_delivery_asks_the_backorder_wizard_and_process_creates_the_backorder(env, order):
    picking = _picking(env, order)
    _ship(env, picking, 3)

    action = env["stock.picking"].button_validate([picking])
    assert (action["res_model"], action["target"]) == ("stock.backorder.confirmation", "new")
    assert action["context"]["button_validate_picking_ids"] == [picking]
    assert env["stock.picking"].read([picking], ["state"])[0]["state"] == "assigned"

    wizards = env.with_context(**action["context"])["stock.backorder.confirmation"]
    assert wizards.process([wizards.create({})]) is True

    done, backorder = env["stock.picking"].search_read([("sale_id", "=", order)], ["state", "backorder_id"],
                                                       order="id")
    assert done["state"] == "done" and backorder["backorder_id"][0] == picking
    rest = env["stock.move"].search_read([("picking_id", "=", backorder["id"])], ["product_uom_qty", "quantity"])
    assert [(move["product_uom_qty"], move["quantity"]) for move in rest] == [(2.0, 2.0)]
    assert (backorder["state"], _delivered(env, order)) == ("assigned", 3.0)

    assert env["stock.picking"].button_validate([backorder["id"]]) is True
    assert _delivered(env, order) == 5.0
    assert env["stock.picking"].search_count([("sale_id", "=", order)]) == 2


def test_no_backorder_cancels_the_rest(env, order):
    picking = _picking(env, order)
    _ship(env, picking, 3)
    action = env["stock.picking"].button_validate([picking])
    wizards = env.with_context(**action["context"])["stock.backorder.confirmation"]

    assert wizards.process_cancel_backorder([wizards.create({})]) is True

    moves = env["stock.move"].search_read([("sale_line_id", "!=", False)], ["state", "quantity"], order="id")
    assert [(move["state"], move["quantity"]) for move in moves] == [("done", 3.0), ("cancel", 0.0)]
    assert env["stock.picking"].search_count([("sale_id", "=", order)]) == 1
    assert _delivered(env, order) == 3.0


@pytest.mark.parametrize(("context", "pickings"), [
    ({"skip_backorder": True}, 2), ({"skip_backorder": True, "picking_ids_not_to_backorder": None}, 1)])
def test_the_context_keys_decide_without_the_wizard(env, order, context, pickings):
    picking = _picking(env, order)
    _ship(env, picking, 1)
    if "picking_ids_not_to_backorder" in context:
        context["picking_ids_not_to_backorder"] = [picking]

    assert env.with_context(**context)["stock.picking"].button_validate([picking]) is True
    assert env["stock.picking"].search_count([("sale_id", "=", order)]) == pickings
    assert _delivered(env, order) == 1.0


def test_the_wizard_without_the_actions_context_does_nothing(env, order):
    picking = _picking(env, order)
    _ship(env, picking, 3)
    env["stock.picking"].button_validate([picking])
    wizards = env.with_context(default_pick_ids=[[4, picking]])["stock.backorder.confirmation"]

    assert wizards.process([wizards.create({})]) is True
    assert env["stock.picking"].read([picking], ["state"])[0]["state"] == "assigned"


def test_nothing_reserved_nor_shipped_cannot_be_validated(env):
    empty = env["product.product"].create({"name": "Ghost", "detailed_type": "product"})
    partner = env["res.partner"].create({"name": "Buyer"})
    order = env["sale.order"].create({"partner_id": partner, "order_line": [(0, 0, {"product_id": empty})]})
    env["sale.order"].action_confirm([order])
    picking = _picking(env, order)

    assert env["stock.picking"].read([picking], ["state"])[0]["state"] == "confirmed"
    with pytest.raises(UserError, match="no quantities are reserved"):
        env["stock.picking"].button_validate([picking])


def test_the_delivery_follows_a_line_written_directly_on_a_confirmed_order(env, order):
    line = env["sale.order.line"].search([("order_id", "=", order)])
    env["sale.order.line"].write(line, {"product_uom_qty": 7})

    move = env["stock.move"].search_read([("sale_line_id", "=", line[0])], ["product_uom_qty", "quantity"])[0]
    assert (move["product_uom_qty"], move["quantity"]) == (7.0, 7.0)
