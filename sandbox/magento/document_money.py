"""Invoice and credit memo money from an order, with Magento's ``Invoice\\Total\\*`` / ``Creditmemo\\Total\\*``.

Rows: a partial quantity takes its share of what is still open on the order row
(``round(open / open_qty * qty)``, e.g. tax = ``tax_amount - tax_invoiced``), and the last quantity takes
all that is open, so the documents of a row add up to the order row exactly; ``row_total_incl_tax`` is
``round(order row_total_incl_tax / qty_ordered * qty)``. Credit memos share what was invoiced and not yet
refunded. Dummy rows (configurable child, dynamic-bundle parent, fixed-bundle children) carry prices only.
Shipping: the first invoice takes the order's whole shipping (amount, tax, discount); a credit memo refunds
the base amount asked (default: invoiced and not refunded) with its share of shipping tax and discount.
Totals: ``discount_tax_compensation_amount`` is the rows' plus the shipping's (unlike the order's, which
leaves the shipping's in ``shipping_discount_tax_compensation_amount`` only); ``grand_total`` = subtotal +
shipping + tax + discount (negative) + discount_tax_compensation_amount (+ adjustments on credit memos;
- gift cards, reward and store credit on invoices, as much as is left).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.magento import quantities as q
from sandbox.magento.tax import cents, php_round

# document field -> (order row total, booked on invoice, booked on credit memo)
ROW_SHARES = {"row_total": ("row_total", "row_invoiced", "amount_refunded"),
              "tax_amount": ("tax_amount", "tax_invoiced", "tax_refunded"),
              "discount_amount": ("discount_amount", "discount_invoiced", "discount_refunded"),
              "discount_tax_compensation_amount": ("discount_tax_compensation_amount",
                                                   "discount_tax_compensation_invoiced",
                                                   "discount_tax_compensation_refunded")}
SHIPPING = ("shipping_amount", "shipping_tax_amount", "shipping_incl_tax", "shipping_discount_amount",
            "shipping_discount_tax_compensation_amount")
PAID_WITH = ("reward_currency_amount", "gift_cards_amount", "customer_balance_amount")


def _base(prefix: str, field: str) -> str:
    return "base_shipping_discount_tax_compensation_amnt" if prefix and field.startswith("shipping_discount_tax") \
        else f"{prefix}{field}"


def document_row(order: Mapping[str, Any], item: dict[str, Any], qty: float, kind: str) -> dict[str, Any]:
    """A document row (ids come later); ``kind`` is "invoice" or "creditmemo"."""
    common = {"entity_id": None, "name": item["name"], "parent_id": None, "product_id": item["product_id"],
              "sku": item["sku"], "order_item_id": item["item_id"], "qty": qty}
    if q.is_dummy(order, item):
        price = item["price"] if item["product_type"] == "bundle" else item["base_price"]
        row = {"base_price": item["base_price"], "price": price, **common}
        if item["product_type"] == "bundle":
            row.update(base_price_incl_tax=item.get("base_price_incl_tax", price),
                       price_incl_tax=item.get("price_incl_tax", price))
        return row
    row = {"base_price": item["base_price"], "base_price_incl_tax": item.get("base_price_incl_tax", item["base_price"]),
           "price": item["price"], "price_incl_tax": item.get("price_incl_tax", item["price"]), **common}
    limit = q.qty_to_invoice(order, item) if kind == "invoice" else q.qty_to_refund(order, item)
    done_qty = float(item["qty_invoiced"]) if kind == "invoice" else float(item["qty_refunded"])
    available = (float(item["qty_ordered"]) if kind == "invoice" else float(item["qty_invoiced"])) - done_qty
    for prefix in ("", "base_"):
        for field, (total, invoiced, refunded) in ROW_SHARES.items():
            if kind == "invoice":
                open_amount = float(item.get(f"{prefix}{total}") or 0) - float(item.get(f"{prefix}{invoiced}") or 0)
            else:
                open_amount = float(item.get(f"{prefix}{invoiced}") or 0) - float(item.get(f"{prefix}{refunded}") or 0)
            last = qty >= limit or not available
            row[f"{prefix}{field}"] = cents(open_amount if last else php_round(open_amount / available * qty))
        incl = float(item.get(f"{prefix}row_total_incl_tax") or 0)
        row[f"{prefix}row_total_incl_tax"] = cents(incl / float(item["qty_ordered"]) * qty)
    if not row["discount_amount"] and not item.get("discount_amount"):
        row.pop("discount_amount"), row.pop("base_discount_amount")
    return row


def invoice_shipping(order: Mapping[str, Any]) -> dict[str, Any]:
    """The order's whole shipping money when no invoice took it yet, else zeros."""
    take = not float(order.get("shipping_invoiced") or 0)
    return {_base(prefix, field): (order.get(_base(prefix, field)) or 0) if take else 0
            for prefix in ("", "base_") for field in SHIPPING}


def refund_shipping(order: Mapping[str, Any], base_amount: float) -> dict[str, Any]:
    """The shipping money of a credit memo refunding ``base_amount`` of the order's (base) shipping."""
    base_shipping = float(order.get("base_shipping_amount") or 0)
    part = base_amount / base_shipping if base_shipping else 0
    shares: dict[str, Any] = {}
    for prefix in ("", "base_"):
        for field in SHIPPING:
            shares[_base(prefix, field)] = cents(float(order.get(_base(prefix, field)) or 0) * part)
    shares["base_shipping_amount"] = cents(base_amount)
    return shares


def document_totals(rows: list[dict[str, Any]], shipping: Mapping[str, Any]) -> dict[str, Any]:
    """The document's totals (both currencies) before adjustments and payments with gift cards or credit."""
    totals: dict[str, Any] = dict(shipping)
    for prefix in ("", "base_"):
        def total(field: str) -> float:  # called in this iteration only
            return sum(float(row.get(f"{prefix}{field}") or 0) for row in rows)  # noqa: B023

        ship_discount = float(shipping[f"{prefix}shipping_discount_amount"])
        ship_compensation = float(shipping[_base(prefix, "shipping_discount_tax_compensation_amount")])
        values = {"subtotal": total("row_total"), "subtotal_incl_tax": total("row_total_incl_tax"),
                  "tax_amount": total("tax_amount") + float(shipping[f"{prefix}shipping_tax_amount"]),
                  "discount_amount": -(total("discount_amount") + ship_discount),
                  # Invoice\Total\Tax and Creditmemo\Total\Tax add the shipping's compensation to the document's
                  "discount_tax_compensation_amount": total("discount_tax_compensation_amount") + ship_compensation}
        values["grand_total"] = (values["subtotal"] + float(shipping[f"{prefix}shipping_amount"])
                                 + values["tax_amount"] + values["discount_amount"]
                                 + values["discount_tax_compensation_amount"])
        totals.update({f"{prefix}{key}": cents(value) for key, value in values.items()})
    for prefix in ("", "base_"):
        totals.pop(f"{prefix}shipping_discount_amount", None)  # documents carry it inside discount_amount
    return totals


def take_paid_with(order: Mapping[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """Adobe Commerce: an invoice uses what is left of the order's reward points, gift cards and store credit
    (each at most what is left of the invoice); answers the invoice's ``extension_attributes``."""
    extension = order.get("extension_attributes") or {}
    if "gift_cards" not in extension:
        return {}
    used: dict[str, Any] = {}
    for prefix in ("", "base_"):
        grand = float(document[f"{prefix}grand_total"])
        for field in PAID_WITH:
            left = (float(extension.get(f"{prefix}{field}") or 0)
                    - float(extension.get(_invoiced(f"{prefix}{field}")) or 0))
            amount = min(max(left, 0), max(grand, 0))
            used[f"{prefix}{field}"] = cents(amount)
            grand -= amount
        document[f"{prefix}grand_total"] = cents(grand)
    return used


# Adobe Commerce's order columns for what invoices used (the reward ones are abbreviated in its schema)
INVOICED = {"gift_cards_amount": "gift_cards_invoiced", "base_gift_cards_amount": "base_gift_cards_invoiced",
            "customer_balance_amount": "customer_balance_invoiced",
            "base_customer_balance_amount": "base_customer_balance_invoiced",
            "reward_currency_amount": "rwrd_currency_amount_invoiced",
            "base_reward_currency_amount": "base_rwrd_crrncy_amt_invoiced"}


def _invoiced(field: str) -> str:
    return INVOICED[field]


def book_paid_with(order: dict[str, Any], used: Mapping[str, Any]) -> None:
    """Record on the order what an invoice used of gift cards, reward points and store credit."""
    extension = order.get("extension_attributes") or {}
    for key, value in used.items():
        name = _invoiced(key)
        extension[name] = cents(float(extension.get(name) or 0) + float(value))
