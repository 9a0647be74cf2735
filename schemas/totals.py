"""The totals identity: does a document carry everything needed to rebuild Magento's ``grand_total``?

    Σ lines (row_total − discount_amount) + Σ tax (lines + shipping) + Σ discount tax compensation (lines +
    shipping) + (shipping amount − shipping discount) + adjustment (credit memos) − gift cards − store credit
    − reward points  ==  grand_total   (to 0.01)

using ``lines`` for orders and ``sold_lines`` for invoices and credit memos. Pure Decimal arithmetic on
Magento's numbers (a float's shortest text, so ``74.7`` is exactly 74.7).

Known exception in recorded Magento data: rows whose ``row_total`` is already net of their discount (then
``Σ (row_total + discount_amount)`` is the subtotal, not ``Σ row_total``). ``rows_net_of_discount`` detects it
from the document's own subtotal and the identity then does not subtract the discount a second time.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from schemas.common import decimal

TOLERANCE = Decimal("0.01")
_CENT = Decimal("0.01")


@dataclasses.dataclass(frozen=True)
class TotalsCheck:
    """Magento's grand total (``expected``), the one rebuilt from the document (``actual``), and how."""

    expected: Decimal
    actual: Decimal
    ok: bool
    detail: str


def document_lines(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The priced lines: ``sold_lines`` for invoices and credit memos, ``lines`` for orders."""
    lines: list[dict[str, Any]] = document["sold_lines"] if "sold_lines" in document else document["lines"]
    return lines


def rows_net_of_discount(document: dict[str, Any]) -> bool:
    """Whether the lines' ``row_total`` are already net of their discount (see module docstring)."""
    lines = document_lines(document)
    if document.get("subtotal") is None or not any(decimal(line.get("discount_amount")) for line in lines):
        return False
    subtotal = decimal(document["subtotal"])
    gross = sum((decimal(line.get("row_total")) for line in lines), Decimal(0))
    net_plus_discount = gross + sum((decimal(line.get("discount_amount")) for line in lines), Decimal(0))
    return abs(gross - subtotal) > TOLERANCE and abs(net_plus_discount - subtotal) <= TOLERANCE


def line_net(line: dict[str, Any], net_rows: bool = False) -> Decimal:
    """A line's amount net of its discount (``row_total − discount_amount``, or ``row_total`` when ``net_rows``)."""
    row_total = decimal(line.get("row_total"))
    return row_total if net_rows else row_total - decimal(line.get("discount_amount"))


def totals_parts(document: dict[str, Any]) -> dict[str, Decimal]:
    """Each term of the identity, signed as it is added (deductions negative)."""
    lines, shipping = document_lines(document), document.get("shipping") or {}
    net_rows = rows_net_of_discount(document)
    return {
        "lines": sum((line_net(line, net_rows) for line in lines), Decimal(0)),
        "tax": sum((decimal(line.get("tax_amount")) for line in lines), Decimal(0))
        + decimal(shipping.get("tax_amount")),
        "discount_tax_compensation": sum((decimal(line.get("discount_tax_compensation_amount")) for line in lines),
                                         Decimal(0)) + decimal(shipping.get("discount_tax_compensation_amount")),
        "shipping": decimal(shipping.get("amount")) - decimal(shipping.get("discount_amount")),
        "adjustment": decimal(document.get("adjustment")),
        "gift_cards": -decimal(document.get("gift_cards_amount")),
        "store_credit": -decimal(document.get("customer_balance_amount")),
        "reward_points": -decimal(document.get("reward_currency_amount")),
    }


def totals_identity(document: dict[str, Any]) -> TotalsCheck:
    """Rebuild ``grand_total`` from an order, invoice or credit memo document and compare (to 0.01)."""
    parts = totals_parts(document)
    actual = sum(parts.values(), Decimal(0))
    expected = decimal(document.get("grand_total"))
    ok = abs(actual - expected) <= TOLERANCE
    terms = " ".join(f"{name} {value.quantize(_CENT):+}" for name, value in parts.items() if value)
    verdict = "holds" if ok else f"differs by {(actual - expected).quantize(_CENT):+}"
    detail = f"grand_total {expected.quantize(_CENT)} vs {actual.quantize(_CENT)} rebuilt ({terms or '0'}): {verdict}"
    return TotalsCheck(expected=expected, actual=actual, ok=ok, detail=detail)
