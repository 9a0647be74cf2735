"""Book an invoice or credit memo on its order (``Invoice::register``, ``Creditmemo`` refund), and credit
memo adjustments and refunds to store credit."""

from __future__ import annotations

from typing import Any

from sandbox.magento import quantities as q
from sandbox.magento.document_money import ROW_SHARES
from sandbox.magento.http import as_number
from sandbox.magento.tax import cents, converted

# order column suffix -> document field (order columns are <name>_invoiced / <name>_refunded)
ORDER_SHARES = (("subtotal", "subtotal"), ("tax", "tax_amount"), ("shipping", "shipping_amount"),
                ("shipping_tax", "shipping_tax_amount"), ("discount", "discount_amount"),
                ("discount_tax_compensation", "discount_tax_compensation_amount"))


def _add(record: dict[str, Any], field: str, amount: Any) -> None:
    record[field] = cents(float(record.get(field) or 0) + float(amount or 0))


def book(order: dict[str, Any], document: dict[str, Any], qtys: dict[int, float], kind: str) -> None:
    """Add the document's quantities and money to the order rows and the order totals."""
    done = "invoiced" if kind == "invoice" else "refunded"
    rows = {row["order_item_id"]: row for row in document["items"]}
    for item in order["items"]:
        qty = qtys.get(item["item_id"], 0)
        if qty <= 0:
            continue
        item[f"qty_{done}"] = cents(item[f"qty_{done}"] + qty)
        if not q.is_dummy(order, item):
            for field, (_, invoiced, refunded) in ROW_SHARES.items():
                target = invoiced if kind == "invoice" else refunded
                for prefix in ("", "base_"):
                    _add(item, f"{prefix}{target}", rows[item["item_id"]].get(f"{prefix}{field}"))
    totals = ("total_invoiced", "total_paid") if kind == "invoice" else ("total_refunded", "total_offline_refunded")
    for prefix in ("", "base_"):
        for field in totals:
            _add(order, f"{prefix}{field}", document[f"{prefix}grand_total"])
        for name, source in ORDER_SHARES:
            _add(order, f"{prefix}{name}_{done}", document.get(f"{prefix}{source}"))
        if kind == "creditmemo":
            for field in ("adjustment_positive", "adjustment_negative"):
                _add(order, f"{prefix}{field}", document[f"{prefix}{field}"])
        due = float(order[f"{prefix}grand_total"]) - float(order.get(f"{prefix}total_paid") or 0)
        order[f"{prefix}total_due"] = cents(max(due, 0))


def adjust(memo: dict[str, Any], arguments: dict[str, Any]) -> None:
    """``adjustment_positive`` (refund fee given back) and ``adjustment_negative`` (fee kept), in the base
    currency as Magento's arguments are; ``adjustment`` = positive - negative."""
    rate = float(memo.get("base_to_order_rate") or 1)
    positive = as_number(arguments.get("adjustment_positive") or 0)
    negative = as_number(arguments.get("adjustment_negative") or 0)
    for prefix, convert in (("base_", lambda amount: amount), ("", lambda amount: converted(amount, rate))):
        plus, minus = convert(positive), convert(negative)
        memo[f"{prefix}adjustment_positive"], memo[f"{prefix}adjustment_negative"] = cents(plus), cents(minus)
        memo[f"{prefix}adjustment"] = cents(plus - minus)
        memo[f"{prefix}grand_total"] = cents(float(memo[f"{prefix}grand_total"]) + plus - minus)


def store_credit_refund(order: dict[str, Any], memo: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    """Adobe Commerce's refund to store credit, asked for with ``arguments.extension_attributes``
    ``refund_customerbalance_return_enable`` (and optionally ``refund_customerbalance_return``, base amount;
    default the whole memo): the memo and the order carry ``customer_bal_total_refunded``; answers the
    order comment Magento adds ("We refunded $X to Store Credit"), or None."""
    extension = arguments.get("extension_attributes") if isinstance(arguments.get("extension_attributes"), dict) else {}
    if not extension.get("refund_customerbalance_return_enable"):
        return None
    base = as_number(extension.get("refund_customerbalance_return") or memo["base_grand_total"])
    amount = (memo["grand_total"] if base == memo["base_grand_total"]
              else cents(base * float(memo["base_to_order_rate"])))
    memo.setdefault("extension_attributes", {}).update(
        customer_bal_total_refunded=cents(amount), bs_customer_bal_total_refunded=cents(base),
        customer_balance_refund_flag=True)
    order_extension = order.setdefault("extension_attributes", {})
    _add(order_extension, "customer_bal_total_refunded", amount)
    _add(order_extension, "bs_customer_bal_total_refunded", base)
    return f"We refunded {base:.2f} {order['base_currency_code']} to Store Credit"
