"""Invoices and credit memos asking for the parent row of a dynamic bundle (``InvoiceService::prepareItemsQty``,
``CreditmemoFactory``): the children follow with the parent's quantity times their quantity per bundle."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.magento.order_build import build_order
from sandbox.magento.scenarios import SEED_DIR, seed_money_cases

INVOICE_ERRORS = "Invoice Document Validation Error(s):\n"
PER_KIT = {"NW-STOVE": 1, "NW-FUEL-230": 2, "NW-BOTTLE-750": 1}  # the camp kitchen kit's selections


def _kit_rows(order: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """The kit's parent row id and its children's row ids by SKU."""
    parent = next(item for item in order["items"] if item["product_type"] == "bundle")
    children = {item["sku"]: item["item_id"] for item in order["items"]
                if item.get("parent_item_id") == parent["item_id"]}
    return parent["item_id"], children


@pytest.fixture
def kit_order(sandbox) -> dict[str, Any]:
    """The money case "dynamic_bundle_coupon" placed again with 3 kits and no documents."""
    store = sandbox.store
    seed_money_cases(store)
    spec = next(case for case in json.loads((SEED_DIR / "money_cases.json").read_text(encoding="utf-8"))
                if case["case"] == "dynamic_bundle_coupon")
    spec = {key: value for key, value in spec.items() if key not in ("case", "documents")}
    spec["lines"] = [{**spec["lines"][0], "qty": 3}]
    order_id = store.next_id("order")
    spec.update(entity_id=order_id, increment_id=store.next_increment_id("order_increment"),
                updated_at=spec["created_at"])
    store.orders[order_id] = build_order(spec, store)
    return store.orders[order_id]


def _by_sku(document: dict[str, Any]) -> dict[str, float]:
    """Each row's quantity by SKU ("kit" for the bundle row, whose SKU names its selections)."""
    return {("kit" if row["sku"].startswith("NW-COOK-KIT") else row["sku"]): row["qty"] for row in document["items"]}


def _quantities(api, order_id: int) -> dict[str, tuple[float, float, float]]:
    order = api.get(f"/V1/orders/{order_id}").json
    return {item["sku"] if item.get("parent_item_id") else "kit": (
        item["qty_ordered"], item["qty_invoiced"], item["qty_refunded"]) for item in order["items"]}


def test_invoicing_one_kit_bills_its_children(api, kit_order):
    order_id = kit_order["entity_id"]
    parent, children = _kit_rows(kit_order)
    response = api.post(f"/V1/order/{order_id}/invoice", {"items": [{"order_item_id": parent, "qty": 1}]})
    assert response.status_code == 200
    invoice = api.get(f"/V1/invoices/{response.json}").json
    assert _by_sku(invoice) == {"kit": 1, **PER_KIT}
    assert invoice["subtotal"] == 59.9 + 2 * 6.5 + 24.5 and invoice["grand_total"] > invoice["subtotal"]
    rest = api.get(f"/V1/invoices/{api.post(f'/V1/order/{order_id}/invoice', {}).json}").json
    assert _by_sku(rest) == {
        "kit": 2, **{sku: 2 * qty for sku, qty in PER_KIT.items()}}
    quantities = _quantities(api, order_id)
    assert all(ordered == invoiced for ordered, invoiced, _ in quantities.values()), quantities
    order = api.get(f"/V1/orders/{order_id}").json
    assert round(invoice["grand_total"] + rest["grand_total"], 2) == order["grand_total"] == order["total_paid"]


def test_invoicing_more_kits_than_remain_is_refused_on_the_children(api, kit_order):
    order_id = kit_order["entity_id"]
    parent, _ = _kit_rows(kit_order)
    first = api.post(f"/V1/order/{order_id}/invoice", {"items": [{"order_item_id": parent, "qty": 2}]})
    assert first.status_code == 200
    response = api.post(f"/V1/order/{order_id}/invoice", {"items": [{"order_item_id": parent, "qty": 2}]})
    assert response.status_code == 400
    assert response.json["message"] == INVOICE_ERRORS + "\n".join(
        f"The quantity to invoice must not be greater than the uninvoiced quantity for product SKU \"{sku}\"."
        for sku in PER_KIT)
    assert all(invoiced == 2 * (ordered / 3) for ordered, invoiced, _ in _quantities(api, order_id).values())


def test_a_listed_child_keeps_its_own_quantity(api, kit_order):
    order_id = kit_order["entity_id"]
    parent, children = _kit_rows(kit_order)
    response = api.post(f"/V1/order/{order_id}/invoice", {"items": [
        {"order_item_id": parent, "qty": 1}, {"order_item_id": children["NW-FUEL-230"], "qty": 1}]})
    invoice = api.get(f"/V1/invoices/{response.json}").json
    assert _by_sku(invoice) == {
        "kit": 1, "NW-STOVE": 1, "NW-FUEL-230": 1, "NW-BOTTLE-750": 1}


def test_refunding_one_kit_refunds_its_children(api, sandbox):
    case = seed_money_cases(sandbox.store)["dynamic_bundle_coupon"]  # 2 kits, invoiced
    order_id = case["order_id"]
    parent, _ = _kit_rows(sandbox.store.orders[order_id])
    response = api.post(f"/V1/order/{order_id}/refund", {"items": [{"order_item_id": parent, "qty": 1}],
                                                           "arguments": {"shipping_amount": 0}})
    assert response.status_code == 200
    memo = api.get(f"/V1/creditmemo/{response.json}").json
    assert _by_sku(memo) == {"kit": 1, **PER_KIT}
    assert memo["subtotal"] == 59.9 + 2 * 6.5 + 24.5
    api.post(f"/V1/order/{order_id}/refund", {"items": [{"order_item_id": parent, "qty": 1}]})
    quantities = _quantities(api, order_id)
    assert all(refunded == invoiced == ordered for ordered, invoiced, refunded in quantities.values()), quantities
    order = api.get(f"/V1/orders/{order_id}").json
    assert order["total_refunded"] == order["total_paid"] and order["state"] == "closed"
    again = api.post(f"/V1/order/{order_id}/refund", {"items": [{"order_item_id": parent, "qty": 1}]})
    assert again.status_code == 400
