"""``POST /V1/orders/{id}/cancel`` (``OrderManagementInterface::cancel``): answers ``true``, or ``false``
when the order cannot be canceled (everything invoiced, already canceled, complete or closed).

As ``Order::registerCancellation``: every row cancels what it has neither invoiced nor shipped
(``qty_canceled`` = min(to invoice, to ship)); the order keeps state ``processing`` when a row has something
invoiced and left to ship (``complete`` when nothing is left to ship), else becomes ``canceled``;
``subtotal_canceled``, ``tax_canceled``, ``shipping_canceled``, ``discount_canceled`` are what was not
invoiced and ``total_canceled`` = ``grand_total - total_paid`` (also in the base currency).
"""

from __future__ import annotations

from typing import Any

from sandbox.magento import quantities as q
from sandbox.magento import reservations
from sandbox.magento.http import Call, as_int, entity_missing
from sandbox.magento.tax import cents

CANCELED = ("subtotal", "tax", "shipping", "discount_tax_compensation")


def can_cancel(order: dict[str, Any]) -> bool:
    if order["state"] in ("canceled", "complete", "closed", "holded", "payment_review"):
        return False
    return any(q.qty_to_invoice(order, item) > 0 for item in order["items"])


def cancel_order(store: Any, order: dict[str, Any]) -> bool:
    """Cancel what is left of ``order``; False (nothing changed) when it cannot be canceled."""
    if not can_cancel(order):
        return False
    state = "canceled"
    to_cancel = {item["item_id"]: min(q.qty_to_invoice(order, item), _to_ship(item)) for item in order["items"]}
    for item in order["items"]:
        if state != "processing" and q.qty_to_refund(order, item) > 0:
            state = "processing" if _to_ship(item) > to_cancel[item["item_id"]] else "complete"
    before = {item["item_id"]: float(item["qty_canceled"]) for item in order["items"]}
    for item in order["items"]:
        _cancel_row(order, item, to_cancel)
    reservations.on_cancel(store, order, {item["item_id"]: float(item["qty_canceled"]) - before[item["item_id"]]
                                          for item in order["items"]})
    for prefix in ("", "base_"):
        for name in CANCELED:
            column = f"{prefix}{name}_amount" if name in ("tax", "discount_tax_compensation") else f"{prefix}{name}"
            if name == "shipping":
                column = f"{prefix}shipping_amount"
            order[f"{prefix}{name}_canceled"] = cents(float(order.get(column) or 0)
                                                      - float(order.get(f"{prefix}{name}_invoiced") or 0))
        order[f"{prefix}discount_canceled"] = cents(abs(float(order.get(f"{prefix}discount_amount") or 0))
                                                    - abs(float(order.get(f"{prefix}discount_invoiced") or 0)))
        order[f"{prefix}total_canceled"] = cents(float(order[f"{prefix}grand_total"])
                                                 - float(order.get(f"{prefix}total_paid") or 0))
    order["state"], order["status"] = state, q.DEFAULT_STATUS[state]
    order["updated_at"] = store.now_text()
    store.changed("order", "save", order["entity_id"])
    return True


def _to_ship(item: dict[str, Any]) -> float:
    """``Item::getQtyToShip`` as the cancellation reads it (virtual rows too)."""
    return max(float(item["qty_ordered"]) - float(item["qty_shipped"]) - float(item["qty_refunded"])
               - float(item["qty_canceled"]), 0)


def _cancel_row(order: dict[str, Any], item: dict[str, Any], to_cancel: dict[int, float]) -> None:
    """Set ``qty_canceled`` (dummy rows follow the row that carries their quantity) and ``tax_canceled``."""
    parent = q.parent_of(order, item)
    if q.is_dummy(order, item) and parent is not None:
        qty = to_cancel[parent["item_id"]] * item["qty_ordered"] / parent["qty_ordered"]
    elif q.is_dummy(order, item):
        shares = [to_cancel[child["item_id"]] * item["qty_ordered"] / child["qty_ordered"]
                  for child in q.children_of(order, item)]
        qty = max(shares, default=0)
    else:
        qty = to_cancel[item["item_id"]]
    item["qty_canceled"] = cents(float(item["qty_canceled"]) + qty)
    if qty and not q.is_dummy(order, item):
        share = qty / float(item["qty_ordered"])
        for prefix in ("", "base_"):
            item[f"{prefix}tax_canceled"] = cents(float(item[f"{prefix}tax_amount"]) * share)


def cancel(call: Call) -> bool:
    """The REST handler."""
    order = call.store.orders.get(as_int(call.params["id"]))
    if order is None:
        raise entity_missing()
    return cancel_order(call.store, order)
