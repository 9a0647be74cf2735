"""Order item quantities as Magento's ``Sales\\Model\\Order\\Item`` computes them, and the order state after a document.

A "dummy" row carries no quantity of its own: for invoices and credit memos the child of a configurable
(the parent row is priced), the parent of a dynamic bundle (the children are priced) and the children of a
fixed-price bundle (the parent is priced); for shipments every
child row (configurable children and bundle children shipped together follow their parent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sandbox.magento.http import as_int, as_number

Item = dict[str, Any]
DEFAULT_STATUS = {"new": "pending", "processing": "processing", "complete": "complete", "closed": "closed",
                  "canceled": "canceled", "holded": "holded", "payment_review": "payment_review"}


def items_by_id(order: Mapping[str, Any]) -> dict[int, Item]:
    return {int(item["item_id"]): item for item in order["items"]}


def parent_of(order: Mapping[str, Any], item: Item) -> Item | None:
    parent_id = item.get("parent_item_id")
    return items_by_id(order).get(int(parent_id)) if parent_id else None


def children_of(order: Mapping[str, Any], item: Item) -> list[Item]:
    return [child for child in order["items"] if child.get("parent_item_id") == item["item_id"]]


def children_calculated(order: Mapping[str, Any], bundle: Item) -> bool:
    """A dynamic bundle (its children are priced) as opposed to a fixed one (the parent row is priced)."""
    return any(float(child.get("base_price") or 0) > 0 for child in children_of(order, bundle))


def is_dummy(order: Mapping[str, Any], item: Item, shipment: bool = False) -> bool:
    """``Order\\Item::isDummy``: the row's money (or, for shipments, its quantity) is carried by another row."""
    parent = parent_of(order, item)
    if shipment:
        return parent is not None
    if item["product_type"] == "bundle" and children_of(order, item):
        return children_calculated(order, item)
    if parent is None:
        return False
    return parent["product_type"] != "bundle" or not children_calculated(order, parent)


def qty_to_invoice(order: Mapping[str, Any], item: Item) -> float:
    if is_dummy(order, item):
        return 0
    return max(item["qty_ordered"] - item["qty_invoiced"] - item["qty_canceled"], 0)


def qty_to_ship(order: Mapping[str, Any], item: Item) -> float:
    if is_dummy(order, item, shipment=True) or item.get("is_virtual"):
        return 0
    return max(item["qty_ordered"] - item["qty_shipped"] - item["qty_refunded"] - item["qty_canceled"], 0)


def qty_to_refund(order: Mapping[str, Any], item: Item) -> float:
    if is_dummy(order, item):
        return 0
    return max(item["qty_invoiced"] - item["qty_refunded"], 0)


def requested(items: Any) -> dict[int, float]:
    """``[{"order_item_id": 3, "qty": 1}, ...]`` (camelCase already folded) as ``{3: 1}``."""
    if not isinstance(items, list):
        return {}
    wanted: dict[int, float] = {}
    for entry in items:
        if isinstance(entry, dict) and entry.get("order_item_id") is not None:
            wanted[as_int(entry["order_item_id"], "order_item_id")] = as_number(entry.get("qty", 0))
    return wanted


def plan(order: Mapping[str, Any], wanted: Mapping[int, float], remaining: Callable[[Mapping, Item], float],
         shipment: bool = False) -> dict[int, float]:
    """Quantity per order item of a new document: the requested ones (unknown ids are ignored, as
    Magento's document factories ignore them) or everything remaining, plus the dummy rows' share."""
    by_id = items_by_id(order)
    if wanted:
        qtys = {item_id: qty for item_id, qty in wanted.items() if item_id in by_id}
        if not shipment:
            _children_follow(order, by_id, qtys)
    else:
        qtys = {item_id: remaining(order, item) for item_id, item in by_id.items()
                if not is_dummy(order, item, shipment)}
    for item_id, item in by_id.items():
        if item_id in qtys or not is_dummy(order, item, shipment):
            continue
        parent = parent_of(order, item)
        if parent is not None and parent["item_id"] in qtys:
            qtys[item_id] = qtys[parent["item_id"]] * item["qty_ordered"] / parent["qty_ordered"]
        else:
            shares = [qtys[child["item_id"]] * item["qty_ordered"] / child["qty_ordered"]
                      for child in children_of(order, item) if child["item_id"] in qtys]
            if shares:
                qtys[item_id] = max(shares)
    return {item_id: _clean(qty) for item_id, qty in qtys.items()}


def _children_follow(order: Mapping[str, Any], by_id: Mapping[int, Item], qtys: dict[int, float]) -> None:
    """``InvoiceService::prepareItemsQty`` (and the credit memo's ``calculateProductOptions``): a requested row
    with children gives each child not asked for itself the parent's quantity times the child's quantity per
    parent unit (``bundle_selection_attributes.qty``), e.g. 1 camp kitchen kit = 1 stove + 2 fuel + 1 bottle."""
    for item_id, qty in list(qtys.items()):
        parent = by_id[item_id]
        for child in children_of(order, parent):
            if child["item_id"] not in qtys and float(parent["qty_ordered"]):
                qtys[child["item_id"]] = qty * float(child["qty_ordered"]) / float(parent["qty_ordered"])


def _clean(qty: float) -> float | int:
    rounded = round(float(qty), 4)
    return int(rounded) if rounded.is_integer() else rounded


def can_invoice(order: Mapping[str, Any]) -> bool:
    if order["state"] in ("payment_review", "holded", "canceled", "complete", "closed"):
        return False
    return any(qty_to_invoice(order, item) > 0 for item in order["items"])


def can_ship(order: Mapping[str, Any]) -> bool:
    return any(qty_to_ship(order, item) > 0 for item in order["items"])


def resolve_state(order: dict[str, Any]) -> None:
    """The order's state (and that state's default status) after an invoice, shipment or credit memo."""
    state = order["state"]
    if state in ("canceled", "holded", "payment_review"):
        return
    paid, refunded = float(order.get("total_paid") or 0), float(order.get("total_refunded") or 0)
    if not can_invoice(order) and not can_ship(order):
        if paid - refunded > 0.0001 or not float(order.get("grand_total") or 0):
            state = "complete"
        elif refunded:
            state = "closed"
    elif state == "new":
        state = "processing"
    if state != order["state"]:
        order["state"], order["status"] = state, DEFAULT_STATUS[state]
