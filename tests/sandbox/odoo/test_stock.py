"""Stock: quantities set as Odoo 17 inventory adjustments (quant in inventory mode, then apply)."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import UserError, ValidationError


@pytest.fixture
def storable(env):
    return env["product.product"].create({"name": "Box", "detailed_type": "product"})


def _count(env, product, quantity):
    inventory = env.with_context(inventory_mode=True)["stock.quant"]
    quant = inventory.create({"product_id": product, "location_id": env.ref("stock.stock_location_stock"),
                              "inventory_quantity": quantity})
    assert inventory.action_apply_inventory([quant]) is None
    return quant


def test_counting_sets_the_quantity_through_an_inventory_move(env, storable):
    quant = _count(env, storable, 12)

    assert env["product.product"].read([storable], ["qty_available"])[0]["qty_available"] == 12.0
    moves = env["stock.move"].search_read([("product_id", "=", storable)], ["quantity", "is_inventory", "state"])
    assert moves == [{"id": moves[0]["id"], "quantity": 12.0, "is_inventory": True, "state": "done"}]
    assert env["stock.quant"].read([quant], ["inventory_quantity_set"])[0]["inventory_quantity_set"] is False


def test_counting_again_reuses_the_quant_and_sets_not_adds(env, storable):
    first = _count(env, storable, 12)
    second = _count(env, storable, 5)

    assert first == second
    assert env["product.product"].read([storable], ["qty_available"])[0]["qty_available"] == 5.0
    assert env["stock.move"].search_count([("product_id", "=", storable)]) == 2


def test_quants_are_for_storable_products_only(env):
    consumable = env["product.product"].create({"name": "Tape", "detailed_type": "consu"})

    with pytest.raises(ValidationError, match="Quants cannot be created for consumables or services."):
        _count(env, consumable, 1)


def test_quant_creation_and_editing_are_restricted(env, storable):
    inventory = env.with_context(inventory_mode=True)["stock.quant"]
    location = env.ref("stock.stock_location_stock")
    quant = _count(env, storable, 1)

    with pytest.raises(UserError, match="Quant's creation is restricted"):
        inventory.create({"product_id": storable, "location_id": location, "inventory_quantity": 1, "quantity": 9})
    with pytest.raises(UserError, match="Quant's editing is restricted"):
        env["stock.quant"].write([quant], {"quantity": 99})


def test_applying_a_count_leaves_the_opposite_quantity_in_the_inventory_adjustment_location(env, storable):
    """As a real Odoo 17 answers ``search_read`` of the product's quants after counting 10 in WH/Stock: 10.0 there
    and -10.0 in "Virtual Locations/Inventory adjustment"; on hand counts internal locations only."""
    _count(env, storable, 10)
    after_first = env["stock.quant"].search_read([("product_id", "=", storable)],
                                                 ["quantity", "inventory_quantity", "location_id"])
    _count(env, storable, 4)
    after_second = env["stock.quant"].search_read([("product_id", "=", storable)], ["quantity"])

    assert [(row["quantity"], row["inventory_quantity"], row["location_id"]) for row in after_first] == [
        (10.0, 0.0, [8, "WH/Stock"]), (-10.0, 0.0, [14, "Virtual Locations/Inventory adjustment"])]
    assert [row["quantity"] for row in after_second] == [4.0, -4.0]
    assert env["product.product"].read([storable], ["qty_available"])[0]["qty_available"] == 4.0
