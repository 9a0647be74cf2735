"""``POST /V1/order/{id}/invoice`` and ``/refund``: Magento's InvoiceOrder and RefundOrder services.

Both validate first and answer ``400 "<Invoice|Creditmemo> Document Validation Error(s):\\n..."`` with
every message of the order validator and the quantity validator (wording from magento/magento2), then
create the document, update the order's quantities, totals, state, status and ``updated_at``, and
answer the new document's id as a JSON *string* (``"4"``), as real stores do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.magento import booking, reservations
from sandbox.magento import document_money as dm
from sandbox.magento import quantities as q
from sandbox.magento.http import as_number, document_validation, entity_missing
from sandbox.magento.inventory import legacy_saved
from sandbox.magento.order_build import money, status_history
from sandbox.magento.store import Store


def order_or_404(store: Store, order_id: int) -> dict[str, Any]:
    order = store.orders.get(order_id)
    if order is None:
        raise entity_missing()
    return order


def invoice_order(store: Store, order_id: int, body: dict[str, Any]) -> str:
    order = order_or_404(store, order_id)
    qtys = q.plan(order, q.requested(body.get("items")), q.qty_to_invoice)
    messages = [] if q.can_invoice(order) else [
        f"An invoice cannot be created when an order has a status of {order['status']}."]
    messages += _invoice_quantity_messages(order, qtys)
    if messages:
        raise document_validation("Invoice", messages)
    invoice = _document(store, order, qtys, "invoice", dm.invoice_shipping(order))
    paid_with = dm.take_paid_with(order, invoice)
    if paid_with:
        invoice["extension_attributes"] = paid_with
        dm.book_paid_with(order, paid_with)
    number_document(store, invoice, "invoice")
    invoice.update(can_void_flag=0, email_sent=int(bool(body.get("notify"))), state=2)
    invoice["comments"] = _comments(store, invoice, body)
    booking.book(order, invoice, qtys, "invoice")
    finish_document(store, order, "invoice", invoice, store.invoices)
    return str(invoice["entity_id"])


def _invoice_quantity_messages(order: dict[str, Any], qtys: dict[int, float]) -> list[str]:
    """``InvoiceQuantityValidator``: every requested quantity counts towards the total, too large or not."""
    requested = _requested_items(order, qtys, q.qty_to_invoice)
    messages = ["The quantity to invoice must not be greater than the uninvoiced quantity"
                f" for product SKU \"{item['sku']}\"." for item, _, too_many in requested if too_many]
    if sum(qty for _, qty, _ in requested) <= 0:
        messages.append("You can't create an invoice without products.")
    return messages


def _requested_items(order: dict[str, Any], qtys: dict[int, float], limit: Callable[[Any, q.Item], float]
                     ) -> list[tuple[q.Item, float, bool]]:
    """Each order item the document asks for, its quantity, and whether that is more than ``limit`` allows."""
    requested = []
    for item in order["items"]:
        qty = qtys.get(item["item_id"])
        if qty is not None:
            requested.append((item, qty, qty > limit(order, item) and not q.is_dummy(order, item)))
    return requested


def refund_order(store: Store, order_id: int, body: dict[str, Any]) -> str:
    order = order_or_404(store, order_id)
    qtys = q.plan(order, q.requested(body.get("items")), q.qty_to_refund)
    arguments = body.get("arguments") if isinstance(body.get("arguments"), dict) else {}
    shipping = arguments.get("shipping_amount")
    base_shipping = _shipping_left(order, "shipping_refunded") if shipping is None else as_number(shipping)
    memo = _document(store, order, qtys, "creditmemo", dm.refund_shipping(order, base_shipping))
    booking.adjust(memo, arguments)
    messages = _can_refund_messages(order) + _refund_quantity_messages(order, qtys, memo)
    if messages:
        raise document_validation("Creditmemo", messages)
    number_document(store, memo, "creditmemo")
    memo.update(invoice_id=None, state=2, email_sent=int(bool(body.get("notify"))))
    memo["comments"] = _comments(store, memo, body)
    held = reservations.open_quantities(order)
    booking.book(order, memo, qtys, "creditmemo")
    reservations.on_refund(store, order, held)
    credit_comment = booking.store_credit_refund(order, memo, arguments)
    if credit_comment:
        order["status_histories"].insert(0, status_history(store, order["entity_id"], {
            "comment": credit_comment, "status": order["status"], "entity_name": "creditmemo"}))
    _return_to_stock(store, order, qtys, arguments)
    finish_document(store, order, "creditmemo", memo, store.creditmemos)
    return str(memo["entity_id"])


def _can_refund_messages(order: dict[str, Any]) -> list[str]:
    """``Order\\Validation\\CanRefund``."""
    messages = []
    if order["state"] in ("payment_review", "holded", "canceled", "closed"):
        messages.append(f"A creditmemo can not be created when an order has a status of {order['status']}")
    elif not any(q.qty_to_refund(order, item) > 0 or q.is_dummy(order, item) for item in order["items"]):
        messages.append("The order does not allow a creditmemo to be created.")
    if abs(round(float(order.get("total_paid") or 0), 2) - float(order.get("total_refunded") or 0)) < 0.0001:
        messages.append("We can't create creditmemo for the order.")
    return messages


def _refund_quantity_messages(order: dict[str, Any], qtys: dict[int, float], memo: dict[str, Any]) -> list[str]:
    """``Creditmemo\\Validation\\QuantityValidator`` (only allowed quantities count) and ``TotalsValidator``."""
    requested = _requested_items(order, qtys, q.qty_to_refund)
    messages = ["The quantity to creditmemo must not be greater than the unrefunded quantity"
                f" for product SKU \"{item['sku']}\"." for item, _, too_many in requested if too_many]
    total = sum(qty for _, qty, too_many in requested if not too_many)
    if memo["grand_total"] <= 0:
        messages.append("The credit memo's total must be positive.")
    elif total <= 0 and not _shipping_left(order, "shipping_refunded"):
        messages.append("You can't create a creditmemo without products.")
    paid, refunded = float(order.get("total_paid") or 0), float(order.get("total_refunded") or 0)
    if round(refunded + memo["grand_total"], 2) > round(paid, 2):
        messages.append(f"The most money available to refund is {money(paid - refunded)}.")
    return messages


def _shipping_left(order: dict[str, Any], booked: str) -> float:
    """Base shipping not yet invoiced (or, for ``shipping_refunded``, invoiced and not yet refunded)."""
    limit = order["base_shipping_amount"] if booked == "shipping_invoiced" else order.get("base_shipping_invoiced", 0)
    return money(max(float(limit or 0) - float(order.get(f"base_{booked}") or 0), 0))


def _document(store: Store, order: dict[str, Any], qtys: dict[int, float], kind: str,
              shipping: dict[str, Any]) -> dict[str, Any]:
    """An invoice or credit memo with its rows and totals, not yet numbered nor booked on the order."""
    rows = [dm.document_row(order, item, qtys[item["item_id"]], kind) for item in order["items"]
            if qtys.get(item["item_id"], 0) > 0]
    now = store.now_text()
    document = {"base_currency_code": order["base_currency_code"], "billing_address_id": order["billing_address_id"],
                "created_at": now, "entity_id": None, "global_currency_code": order["global_currency_code"],
                "increment_id": None, "order_currency_code": order["order_currency_code"],
                "order_id": order["entity_id"], "shipping_address_id": shipping_address_id(order),
                "store_id": order["store_id"], "store_currency_code": order["store_currency_code"],
                "total_qty": money(sum(row["qty"] for row in rows if "row_total" in row)), "updated_at": now,
                "base_to_global_rate": order.get("base_to_global_rate", 1),
                "base_to_order_rate": order.get("base_to_order_rate", 1),
                "store_to_base_rate": order.get("store_to_base_rate", 0),
                "store_to_order_rate": order.get("store_to_order_rate", 0)}
    document.update(dm.document_totals(rows, shipping))
    document["items"] = rows
    return document


def shipping_address_id(order: dict[str, Any]) -> int | None:
    assignments = order.get("extension_attributes", {}).get("shipping_assignments") or []
    return assignments[0]["shipping"]["address"]["entity_id"] if assignments else None


def _comments(store: Store, document: dict[str, Any], body: dict[str, Any]) -> list[dict[str, Any]]:
    comment = body.get("comment")
    if not isinstance(comment, dict) or not comment.get("comment"):
        return []
    return [{"comment": comment["comment"], "created_at": document["created_at"],
             "entity_id": store.next_id("document_comment"), "is_customer_notified": int(bool(body.get("notify"))),
             "is_visible_on_front": int(comment.get("is_visible_on_front") or 0), "parent_id": document["entity_id"]}]


def _return_to_stock(store: Store, order: dict[str, Any], qtys: dict[int, float], arguments: dict[str, Any]) -> None:
    """``return_to_stock_items``: the refunded quantity goes back to the stock of the product sold (for a
    configurable or bundle row, the stock of its child rows' products)."""
    extension = arguments.get("extension_attributes") if isinstance(arguments.get("extension_attributes"), dict) else {}
    for item_id in extension.get("return_to_stock_items") or []:
        item = q.items_by_id(order).get(int(item_id))
        if item is None or not qtys.get(item["item_id"]):
            continue
        for row in q.children_of(order, item) or [item]:
            product = store.product_by_id(row["product_id"])
            if product is not None and qtys.get(row["item_id"]):
                stock = product["extension_attributes"]["stock_item"]
                stock["qty"] = money(stock["qty"] + qtys[row["item_id"]])
                legacy_saved(store, product["sku"])
                store.changed("stock", "save", product["sku"])


def number_document(store: Store, document: dict[str, Any], kind: str) -> None:
    """Give a validated document its id, its number (``000000003``) and its rows' ids."""
    document["entity_id"] = store.next_id(kind)
    document["increment_id"] = store.next_increment_id(f"{kind}_increment")
    for row in document["items"]:
        row.update(entity_id=store.next_id(f"{kind}_item"), parent_id=document["entity_id"])


def finish_document(store: Store, order: dict[str, Any], entity: str, document: dict[str, Any],
                    table: dict[int, dict[str, Any]]) -> None:
    """Store the document, settle the order's state and ``updated_at``, and record both changes."""
    q.resolve_state(order)
    now = store.now_text()
    order["updated_at"] = now
    for item in order["items"]:
        item["updated_at"] = now
    table[document["entity_id"]] = document
    store.changed(entity, "save", document["entity_id"])
    store.changed("order", "save", order["entity_id"])
