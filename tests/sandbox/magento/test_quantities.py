"""Order item quantities: dummy rows, planned quantities, the order state after a document."""

from __future__ import annotations

import pytest

from sandbox.magento import quantities as q


def item(item_id: int, kind: str, qty: float, parent: int | None = None, **done: float) -> dict:
    row = {"item_id": item_id, "product_type": kind, "qty_ordered": qty, "qty_invoiced": 0, "qty_shipped": 0,
           "qty_refunded": 0, "qty_canceled": 0, **{f"qty_{k}": v for k, v in done.items()}}
    if parent:
        row["parent_item_id"] = parent
    return row


@pytest.fixture
def order() -> dict:
    return {"state": "new", "status": "pending", "grand_total": 100, "items": [
        item(1, "configurable", 2), item(2, "simple", 2, parent=1),
        item(3, "bundle", 1), {**item(4, "simple", 1, parent=3), "base_price": 5},
        {**item(5, "simple", 2, parent=3), "base_price": 7}, item(6, "simple", 1)]}


def test_dummy_rows_for_invoices_and_shipments(order):
    rows = q.items_by_id(order)
    assert [q.is_dummy(order, rows[i]) for i in range(1, 7)] == [False, True, True, False, False, False]
    assert [q.is_dummy(order, rows[i], shipment=True) for i in range(1, 7)] == [False, True, False, True, True, False]


def test_a_fixed_price_bundle_is_priced_on_its_parent_row(order):
    for child in order["items"][3:5]:
        child["base_price"] = 0  # the children of a fixed-price bundle carry no money
    rows = q.items_by_id(order)
    assert [q.is_dummy(order, rows[i]) for i in (3, 4, 5)] == [False, True, True]
    assert q.qty_to_invoice(order, rows[3]) == 1 and q.qty_to_invoice(order, rows[4]) == 0


def test_remaining_quantities(order):
    rows = q.items_by_id(order)
    rows[6]["qty_invoiced"], rows[6]["qty_refunded"] = 1, 1
    assert q.qty_to_invoice(order, rows[1]) == 2 and q.qty_to_invoice(order, rows[2]) == 0
    assert q.qty_to_ship(order, rows[6]) == 0 and q.qty_to_refund(order, rows[6]) == 0
    assert q.qty_to_ship(order, rows[3]) == 1 and q.qty_to_ship(order, rows[4]) == 0


def test_plan_everything_follows_parents_and_children(order):
    assert q.plan(order, {}, q.qty_to_invoice) == {1: 2, 4: 1, 5: 2, 6: 1, 2: 2, 3: 1}
    assert q.plan(order, {}, q.qty_to_ship, shipment=True) == {1: 2, 3: 1, 6: 1, 2: 2, 4: 1, 5: 2}


def test_plan_requested_ignores_unknown_items(order):
    assert q.plan(order, {1: 1, 99: 4}, q.qty_to_invoice) == {1: 1, 2: 1}
    assert q.plan(order, {5: 1}, q.qty_to_invoice) == {5: 1, 3: 0.5}


def test_plan_a_requested_dynamic_bundle_parent_brings_its_children(order):
    """``InvoiceService::prepareItemsQty``: children not listed get parent qty x their qty per bundle."""
    order["items"][2:5] = [item(3, "bundle", 3), {**item(4, "simple", 3, parent=3), "base_price": 5},
                           {**item(5, "simple", 6, parent=3), "base_price": 7}]
    assert q.plan(order, {3: 1}, q.qty_to_invoice) == {3: 1, 4: 1, 5: 2}
    assert q.plan(order, {3: 2, 5: 1}, q.qty_to_refund) == {3: 2, 4: 2, 5: 1}  # a listed child keeps its qty
    assert q.plan(order, {3: 1}, q.qty_to_ship, shipment=True) == {3: 1, 4: 1, 5: 2}


def test_requested_reads_strings_and_skips_junk():
    assert q.requested([{"order_item_id": "3", "qty": "1.0"}, {"qty": 4}, "x"]) == {3: 1}
    assert q.requested(None) == {}


def test_state_after_documents(order):
    rows = q.items_by_id(order)
    rows[6]["qty_invoiced"] = 1
    q.resolve_state(order)
    assert (order["state"], order["status"]) == ("processing", "processing")
    for row in order["items"]:
        row["qty_invoiced"] = row["qty_shipped"] = row["qty_ordered"]
    order["total_paid"] = 100
    q.resolve_state(order)
    assert order["state"] == "complete"
    order["total_refunded"] = 100
    q.resolve_state(order)
    assert (order["state"], order["status"]) == ("closed", "closed")


def test_canceled_orders_keep_their_state(order):
    order["state"] = "canceled"
    q.resolve_state(order)
    assert order["state"] == "canceled" and not q.can_invoice(order)
