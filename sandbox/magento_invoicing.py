"""``POST /V1/order/{id}/invoice`` and ``/refund``: Magento's InvoiceOrder and RefundOrder services.

Both validate first and answer ``400 "<Invoice|Creditmemo> Document Validation Error(s):\\n..."`` with
every message of the order validator and the quantity validator (wording from magento/magento2), then
create the document, update the order's quantities, totals, state, status and ``updated_at``, and
answer the new document's id as a JSON *string* (``"4"``), as real stores do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox import magento_quantities as q
from sandbox.magento_http import as_number, document_validation, entity_missing
from sandbox.magento_order_build import money
from sandbox.magento_store import Store


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
    invoice = _document(store, order, qtys, shipping=_shipping_left(order, "shipping_invoiced"))
    number_document(store, invoice, "invoice")
    invoice.update(can_void_flag=0, email_sent=int(bool(body.get("notify"))), state=2)
    invoice["comments"] = _comments(store, invoice, body)
    _book(order, invoice, qtys, "invoiced", ["total_invoiced", "total_paid"])
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
    memo = _document(store, order, qtys, shipping=_shipping_left(order, "shipping_refunded")
                     if shipping is None else as_number(shipping))
    _adjust(memo, arguments)
    messages = _can_refund_messages(order) + _refund_quantity_messages(order, qtys, memo)
    if messages:
        raise document_validation("Creditmemo", messages)
    number_document(store, memo, "creditmemo")
    memo.update(invoice_id=None, state=2, email_sent=int(bool(body.get("notify"))))
    memo["comments"] = _comments(store, memo, body)
    _book(order, memo, qtys, "refunded", ["total_refunded", "total_offline_refunded"])
    _book_refunded_amounts(order, qtys)
    _return_to_stock(store, order, qtys, arguments)
    finish_document(store, order, "creditmemo", memo, store.creditmemos)
    return str(memo["entity_id"])


def _book_refunded_amounts(order: dict[str, Any], qtys: dict[int, float]) -> None:
    for item in order["items"]:
        if qtys.get(item["item_id"]) and not q.is_dummy(order, item):
            item["amount_refunded"] = item["base_amount_refunded"] = money(
                item["amount_refunded"] + item["row_total"] * qtys[item["item_id"]] / item["qty_ordered"])


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
    """Shipping not yet invoiced (or, for ``shipping_refunded``, invoiced and not yet refunded)."""
    limit = order["shipping_amount"] if booked == "shipping_invoiced" else order.get("shipping_invoiced", 0)
    return money(max(float(limit) - float(order.get(booked) or 0), 0))


def _document(store: Store, order: dict[str, Any], qtys: dict[int, float], shipping: float) -> dict[str, Any]:
    """An invoice or credit memo with its rows and totals, not yet numbered nor booked on the order."""
    rows, subtotal, tax, discount = [], 0.0, 0.0, 0.0
    for item in order["items"]:
        qty = qtys.get(item["item_id"], 0)
        if qty <= 0:
            continue
        row = _row(order, item, qty)
        rows.append(row)
        subtotal, tax = subtotal + row.get("row_total", 0), tax + row.get("tax_amount", 0)
        discount += row.get("discount_amount", 0)
    now = store.now_text()
    grand = money(subtotal + tax - discount + shipping)
    document = {"base_currency_code": order["base_currency_code"], "base_discount_amount": money(-discount),
                "base_grand_total": grand, "base_shipping_amount": money(shipping), "base_subtotal": money(subtotal),
                "base_tax_amount": money(tax), "billing_address_id": order["billing_address_id"], "created_at": now,
                "discount_amount": money(-discount), "entity_id": None,
                "global_currency_code": order["global_currency_code"], "grand_total": grand, "increment_id": None,
                "order_currency_code": order["order_currency_code"], "order_id": order["entity_id"],
                "shipping_address_id": shipping_address_id(order), "shipping_amount": money(shipping),
                "shipping_incl_tax": money(shipping), "shipping_tax_amount": 0, "store_id": order["store_id"],
                "subtotal": money(subtotal), "subtotal_incl_tax": money(subtotal + tax), "tax_amount": money(tax),
                "total_qty": money(sum(row["qty"] for row in rows if "row_total" in row)), "updated_at": now}
    document.update(_fixed_totals(order, shipping, subtotal + tax))
    document["items"] = rows
    return document


def _fixed_totals(order: dict[str, Any], shipping: float, subtotal_incl_tax: float) -> dict[str, Any]:
    """The columns every invoice and credit memo carries although the sandbox has no use for them: no tax on
    shipping, no tax compensation, and the order's currency rates (see a real ``GET /V1/invoices/{id}``)."""
    return {"base_discount_tax_compensation_amount": 0, "base_shipping_incl_tax": money(shipping),
            "base_shipping_tax_amount": 0, "base_subtotal_incl_tax": money(subtotal_incl_tax),
            "base_to_global_rate": order.get("base_to_global_rate", 1),
            "base_to_order_rate": order.get("base_to_order_rate", 1), "discount_tax_compensation_amount": 0,
            "shipping_discount_tax_compensation_amount": 0, "store_currency_code": order["store_currency_code"],
            "store_to_base_rate": order.get("store_to_base_rate", 0),
            "store_to_order_rate": order.get("store_to_order_rate", 0)}


def _row(order: dict[str, Any], item: dict[str, Any], qty: float) -> dict[str, Any]:
    """A document row (its ids come with ``number_document``); dummy rows carry no money, as in Magento."""
    if q.is_dummy(order, item):
        return {"base_price": item["base_price"], "entity_id": None, "name": item["name"], "parent_id": None,
                "price": item["base_price"], "product_id": item["product_id"], "sku": item["sku"],
                "order_item_id": item["item_id"], "qty": qty}
    share = qty / item["qty_ordered"]
    row_total, tax = money(item["row_total"] * share), money(item["tax_amount"] * share)
    return {"base_discount_tax_compensation_amount": 0, "base_price": item["base_price"],
            "base_price_incl_tax": item.get("base_price_incl_tax", item["base_price"]), "base_row_total": row_total,
            "base_row_total_incl_tax": money(row_total + tax), "base_tax_amount": tax,
            "discount_amount": money(item["discount_amount"] * share), "entity_id": None,
            "discount_tax_compensation_amount": 0, "name": item["name"], "parent_id": None,
            "price": item["price"], "price_incl_tax": item.get("price_incl_tax", item["price"]),
            "product_id": item["product_id"], "row_total": row_total, "row_total_incl_tax": money(row_total + tax),
            "sku": item["sku"], "tax_amount": tax, "order_item_id": item["item_id"], "qty": qty}


def _adjust(memo: dict[str, Any], arguments: dict[str, Any]) -> None:
    positive = as_number(arguments.get("adjustment_positive") or 0)
    negative = as_number(arguments.get("adjustment_negative") or 0)
    grand = money(memo["grand_total"] + positive - negative)
    memo.update(adjustment=money(positive - negative), adjustment_positive=positive, adjustment_negative=negative,
                base_adjustment=money(positive - negative), base_adjustment_positive=positive,
                base_adjustment_negative=negative, grand_total=grand, base_grand_total=grand)


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


def _book(order: dict[str, Any], document: dict[str, Any], qtys: dict[int, float], done: str,
          totals: list[str]) -> None:
    """Add the document's quantities and money to the order (``qty_invoiced``, ``total_paid``, ...)."""
    for item in order["items"]:
        qty = qtys.get(item["item_id"], 0)
        if qty > 0:
            item[f"qty_{done}"] = money(item[f"qty_{done}"] + qty)
            if done == "invoiced" and not q.is_dummy(order, item):
                share = qty / item["qty_ordered"]
                for field, source in (("row_invoiced", "row_total"), ("tax_invoiced", "tax_amount"),
                                      ("discount_invoiced", "discount_amount")):
                    item[field] = item[f"base_{field}"] = money(item[field] + item[source] * share)
    for field in totals:
        order[field] = order[f"base_{field}"] = money(float(order.get(field) or 0) + document["grand_total"])
    for field, source in (("subtotal", "subtotal"), ("tax", "tax_amount"), ("shipping", "shipping_amount")):
        key = f"{field}_{done}"
        order[key] = order[f"base_{key}"] = money(float(order.get(key) or 0) + document[source])
    order["total_due"] = order["base_total_due"] = money(max(order["grand_total"] - float(order.get("total_paid") or 0), 0))


def _return_to_stock(store: Store, order: dict[str, Any], qtys: dict[int, float], arguments: dict[str, Any]) -> None:
    extension = arguments.get("extension_attributes") if isinstance(arguments.get("extension_attributes"), dict) else {}
    for item_id in extension.get("return_to_stock_items") or []:
        item = q.items_by_id(order).get(int(item_id))
        product = store.product_by_id(item["product_id"]) if item else None
        if product is not None and qtys.get(item["item_id"]):
            stock = product["extension_attributes"]["stock_item"]
            stock["qty"] = money(stock["qty"] + qtys[item["item_id"]])
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
