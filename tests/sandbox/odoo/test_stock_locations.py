"""On-hand per location (context ``location`` / ``warehouse``), reserved quantities on the quants, free and
forecast quantities, and done moves moving the quants."""

from __future__ import annotations

import pytest


@pytest.fixture
def storable(env):
    return env["product.product"].create({"name": "Box", "detailed_type": "product", "default_code": "BOX"})


@pytest.fixture
def berlin(env):
    """A second warehouse: BER with its BER/Stock location."""
    view = env["stock.location"].create({"name": "BER", "usage": "view",
                                         "location_id": env.ref("stock.stock_location_locations")})
    stock = env["stock.location"].create({"name": "Stock", "usage": "internal", "location_id": view})
    env["stock.warehouse"].create({"name": "Berlin", "code": "BER", "lot_stock_id": stock})
    return stock


def _count(env, product, location, quantity):
    inventory = env.with_context(inventory_mode=True)["stock.quant"]
    quant = inventory.create({"product_id": product, "location_id": location, "inventory_quantity": quantity})
    inventory.action_apply_inventory([quant])
    return quant


def _qty(env, product, field="qty_available", **context):
    return env.with_context(**context)["product.product"].read([product], [field])[0][field]


def test_qty_available_per_location_by_id_or_name(env, storable, berlin):
    _count(env, storable, env.ref("stock.stock_location_stock"), 10)
    _count(env, storable, berlin, 4)

    assert _qty(env, storable) == 14.0
    assert _qty(env, storable, location="WH/Stock") == 10.0
    assert _qty(env, storable, location=berlin) == 4.0
    assert _qty(env, storable, location=[berlin, "WH/Stock"]) == 14.0
    assert _qty(env, storable, warehouse="Berlin") == 4.0
    assert _qty(env, storable, location="Nowhere") == 0.0


def test_a_location_counts_the_locations_below_it(env, storable):
    shelf = env["stock.location"].create({"name": "Shelf 1", "location_id": env.ref("stock.stock_location_stock")})
    _count(env, storable, shelf, 3)
    _count(env, storable, env.ref("stock.stock_location_stock"), 2)

    assert _qty(env, storable, location="WH/Stock") == 5.0
    assert _qty(env, storable, location="WH/Stock/Shelf 1") == 3.0


def test_search_read_answers_per_location_quantities_in_one_call(env, storable, berlin):
    _count(env, storable, berlin, 6)

    rows = env.with_context(location="BER/Stock")["product.product"].search_read(
        [("default_code", "=", "BOX")], ["default_code", "qty_available"])

    assert rows == [{"id": storable, "default_code": "BOX", "qty_available": 6.0}]


def _delivery(env, product, quantity):
    stock, customers = env.ref("stock.stock_location_stock"), env.ref("stock.stock_location_customers")
    picking = env["stock.picking"].create({
        "picking_type_id": env.ref("stock.picking_type_out"), "location_id": stock, "location_dest_id": customers,
        "move_ids": [(0, 0, {"name": "Box", "product_id": product, "product_uom_qty": quantity,
                             "location_id": stock, "location_dest_id": customers})]})
    env["stock.picking"].action_confirm([picking])
    return picking


def test_reservation_is_kept_on_the_quant_and_released_when_done(env, storable):
    quant = _count(env, storable, env.ref("stock.stock_location_stock"), 10)
    picking = _delivery(env, storable, 3)
    reserved = env["stock.quant"].read([quant], ["quantity", "reserved_quantity"])[0]

    assert (reserved["quantity"], reserved["reserved_quantity"]) == (10.0, 3.0)
    assert _qty(env, storable, "free_qty") == 7.0
    assert _qty(env, storable, "virtual_available") == 7.0
    assert _qty(env, storable) == 10.0

    assert env["stock.picking"].button_validate([picking]) is True
    done = env["stock.quant"].read([quant], ["quantity", "reserved_quantity"])[0]
    assert (done["quantity"], done["reserved_quantity"]) == (7.0, 0.0)
    assert _qty(env, storable) == _qty(env, storable, "free_qty") == _qty(env, storable, "virtual_available") == 7.0
