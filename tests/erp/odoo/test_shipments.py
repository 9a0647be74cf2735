"""Shipments: the order's delivery validated for exactly the shipped quantities, tracks recorded."""

from __future__ import annotations

import pytest

from core.errors import ErpRejected, ErpUnavailable

WITH_DELIVERY = pytest.mark.parametrize("odoo_sandbox", [{"modules": ("stock_delivery",)}], indirect=True)
TWO_TRACKS = [{"number": "1Z-TRAIL-81", "carrier_code": "ups", "title": "United Parcel Service"},
              {"number": "9400-81", "carrier_code": "usps", "title": "USPS"}]


def _shipped_order(backend, documents):
    backend.upsert("order", "9001", documents.order(state="processing"))


def _pickings(odoo_sandbox, *fields):
    return odoo_sandbox.records("stock.picking", "state", "backorder_id", *fields)


def _moves(odoo_sandbox):
    return [(row["product_id"][1], row["picking_id"][0], row["state"], row["quantity"])
            for row in odoo_sandbox.records("stock.move", "product_id", "picking_id", "state", "quantity")]


@WITH_DELIVERY
def test_a_partial_shipment_validates_its_quantities_and_leaves_a_backorder(odoo_sandbox, catalog_ready, documents):
    _shipped_order(catalog_ready, documents)
    picking = int(catalog_ready.upsert("shipment", "81", documents.shipment(tracks=TWO_TRACKS)))
    assert catalog_ready.upsert("shipment", "81", documents.shipment(tracks=TWO_TRACKS)) == str(picking)

    pickings = {row["id"]: row for row in _pickings(odoo_sandbox, "carrier_tracking_ref")}
    backorder = next(rid for rid, row in pickings.items() if row["backorder_id"])
    assert pickings[picking]["state"] == "done" and pickings[backorder]["backorder_id"][0] == picking
    assert pickings[picking]["carrier_tracking_ref"] == "1Z-TRAIL-81,9400-81"
    moves = {(name, picking_id, state) for name, picking_id, state, _quantity in _moves(odoo_sandbox)}
    assert moves == {("[TR-1] Trail TR-1", picking, "done"), ("[TR-2] Trail TR-2", backorder, "confirmed")}
    delivered = [line["qty_delivered"] for line in odoo_sandbox.records("sale.order.line", "qty_delivered")]
    assert delivered[:2] == [2.0, 0.0]
    assert catalog_ready.exists("shipment", "81") and catalog_ready.count("shipment") == 1


@WITH_DELIVERY
def test_the_next_shipment_validates_the_backorder_with_its_own_tracks(odoo_sandbox, catalog_ready, documents):
    _shipped_order(catalog_ready, documents)
    first = int(catalog_ready.upsert("shipment", "81", documents.shipment()))
    second = int(catalog_ready.upsert("shipment", "82", documents.shipment(
        82, lines=[{"order_item_id": 2, "sku": "TR-2", "name": "Trail TR-2", "qty": 1, "price": None}],
        tracks=[{"number": "9400-82", "carrier_code": "usps", "title": "USPS"}])))

    pickings = {row["id"]: row for row in _pickings(odoo_sandbox, "carrier_tracking_ref")}
    assert second != first and {row["state"] for row in pickings.values()} == {"done"}
    assert (pickings[first]["carrier_tracking_ref"], pickings[second]["carrier_tracking_ref"]) == (
        "1Z-TRAIL-81", "9400-82")


def test_without_stock_delivery_the_shipment_is_still_validated(odoo_sandbox, catalog_ready, documents):
    _shipped_order(catalog_ready, documents)
    picking = int(catalog_ready.upsert("shipment", "81", documents.shipment(tracks=TWO_TRACKS)))

    assert {row["id"]: row["state"] for row in _pickings(odoo_sandbox)}[picking] == "done"


def test_a_shipment_of_an_order_without_delivery_waits_for_it(catalog_ready, documents):
    """The order may be being confirmed by another consumer: retried, not dead-lettered at once."""
    catalog_ready.upsert("order", "9001", documents.order())  # a quotation: no delivery yet

    with pytest.raises(ErpUnavailable, match="shipment 400081: Odoo order .* has no delivery"):
        catalog_ready.upsert("shipment", "81", documents.shipment())
    with pytest.raises(ErpRejected, match="order 5 is not in Odoo"):
        catalog_ready.upsert("shipment", "81", documents.shipment(order_id=5))


def test_a_shipment_of_items_the_delivery_does_not_hold_is_refused(catalog_ready, documents):
    _shipped_order(catalog_ready, documents)

    with pytest.raises(ErpRejected, match="none of its items is on Odoo delivery"):
        catalog_ready.upsert("shipment", "81", documents.shipment(
            lines=[{"order_item_id": 77, "sku": "NOPE", "name": "x", "qty": 1, "price": None}]))


@WITH_DELIVERY
def test_deleting_a_shipment_forgets_its_binding_only(odoo_sandbox, catalog_ready, documents):
    _shipped_order(catalog_ready, documents)
    catalog_ready.upsert("shipment", "81", documents.shipment())
    catalog_ready.delete("shipment", "81")

    assert not catalog_ready.exists("shipment", "81")
    assert [row["carrier_tracking_ref"] for row in _pickings(odoo_sandbox, "carrier_tracking_ref")
            if row["state"] == "done"] == ["1Z-TRAIL-81"]
