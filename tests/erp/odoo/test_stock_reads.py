"""Stock read from the Odoo sandbox for the push to Magento: per location, per measure, records to SKUs, SKUs."""

from __future__ import annotations

import pytest

from core.errors import ErpRejected
from erp.base import ALL_LOCATIONS

INVENTORY = {"context": {"inventory_mode": True}}


def product(odoo, sku: str, **values) -> int:
    return odoo.execute("product.product", "create", [{"name": sku, "detailed_type": "product",
                                                        "default_code": sku, **values}])


def location(odoo, complete_name: str) -> int:
    [row] = odoo.execute("stock.location", "search_read", [[("complete_name", "=", complete_name)]],
                         {"fields": ["id"]})
    return row["id"]


def berlin(odoo) -> int:
    """A second warehouse: BER/Stock."""
    physical = location(odoo, "Physical Locations")
    view = odoo.execute("stock.location", "create", [{"name": "BER", "usage": "view", "location_id": physical}])
    stock = odoo.execute("stock.location", "create", [{"name": "Stock", "usage": "internal", "location_id": view}])
    odoo.execute("stock.warehouse", "create", [{"name": "Berlin", "code": "BER", "lot_stock_id": stock}])
    return stock


def count(odoo, product_id: int, location_id: int, quantity: float) -> int:
    quant = odoo.execute("stock.quant", "create", [{"product_id": product_id, "location_id": location_id,
                                                    "inventory_quantity": quantity}], INVENTORY)
    odoo.execute("stock.quant", "action_apply_inventory", [[quant]], INVENTORY)
    return quant


@pytest.fixture
def stocked(odoo_sandbox):
    """BOX: 10 in WH/Stock, 4 in BER/Stock; MUG: 2 in WH/Stock only."""
    ber = berlin(odoo_sandbox)
    box, mug = product(odoo_sandbox, "BOX"), product(odoo_sandbox, "MUG")
    quant = count(odoo_sandbox, box, location(odoo_sandbox, "WH/Stock"), 10)
    count(odoo_sandbox, box, ber, 4)
    count(odoo_sandbox, mug, location(odoo_sandbox, "WH/Stock"), 2)
    return {"box": box, "mug": mug, "ber": ber, "quant": quant}


def test_quantities_per_location_by_complete_name_or_id(backend, stocked):
    ber = str(stocked["ber"])
    levels = backend.stock_levels(["BOX", "MUG", "NOPE"], ["WH/Stock", ber])
    assert levels == {"BOX": {"WH/Stock": 10.0, ber: 4.0}, "MUG": {"WH/Stock": 2.0, ber: 0.0}}


def test_without_locations_the_whole_erp_counts(backend, stocked):
    assert backend.stock_levels(["BOX"]) == {"BOX": {ALL_LOCATIONS: 14.0}}


def test_an_archived_product_still_answers(odoo_sandbox, backend, stocked):
    odoo_sandbox.execute("product.product", "write", [[stocked["mug"]], {"active": False}])
    assert backend.stock_levels(["MUG"], ["WH/Stock"]) == {"MUG": {"WH/Stock": 2.0}}


def test_free_and_forecast_measures(odoo_sandbox, backend, stocked):
    stock, customers = location(odoo_sandbox, "WH/Stock"), location(odoo_sandbox, "Partners/Customers")
    picking = odoo_sandbox.execute("stock.picking", "create", [{
        "picking_type_id": odoo_sandbox.execute("stock.picking.type", "search", [[("code", "=", "outgoing")]])[0],
        "location_id": stock, "location_dest_id": customers,
        "move_ids": [(0, 0, {"name": "Box", "product_id": stocked["box"], "product_uom_qty": 3,
                             "location_id": stock, "location_dest_id": customers})]}])
    odoo_sandbox.execute("stock.picking", "action_confirm", [[picking]])

    assert backend.stock_levels(["BOX"], ["WH/Stock"], "on_hand") == {"BOX": {"WH/Stock": 10.0}}
    assert backend.stock_levels(["BOX"], ["WH/Stock"], "free") == {"BOX": {"WH/Stock": 7.0}}
    assert backend.stock_levels(["BOX"], ["WH/Stock"], "forecast") == {"BOX": {"WH/Stock": 7.0}}
    with pytest.raises(ValueError, match="STOCK_QUANTITY"):
        backend.stock_levels(["BOX"], ["WH/Stock"], "salable")


def test_odoo_records_resolve_to_their_sku(odoo_sandbox, backend, stocked):
    [move] = odoo_sandbox.execute("stock.move", "search", [[("product_id", "=", stocked["box"])]], {"limit": 1})
    assert backend.sku_of("odoo:stock.quant", str(stocked["quant"])) == "BOX"
    assert backend.sku_of("odoo:stock.move", str(move)) == "BOX"
    assert backend.sku_of("odoo:product.product", str(stocked["mug"])) == "MUG"
    assert backend.sku_of("odoo:stock.quant", "99999") is None
    nameless = odoo_sandbox.execute("product.product", "create", [{"name": "No code", "detailed_type": "product"}])
    assert backend.sku_of("odoo:product.product", str(nameless)) is None
    with pytest.raises(ErpRejected, match="odoo:res.partner"):
        backend.sku_of("odoo:res.partner", "1")


def test_every_sku_is_listed_page_by_page(odoo_sandbox, backend, stocked):
    for number in range(5):
        product(odoo_sandbox, f"P{number}")
    pages = list(backend.stock_skus(page_size=3))
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(sku for page in pages for sku in page) == ["BOX", "MUG", "P0", "P1", "P2", "P3", "P4"]
