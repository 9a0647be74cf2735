"""Odoo's arithmetic of document totals, reproduced from the values the bridge sends (pure, Decimal).

What Odoo 17/18 does with a sale.order.line or an account.move.line, in a 2-decimal currency with the
company setting "round per line" (``tax_calculation_rounding_method = round_per_line``, Odoo's default):
- ``price_unit`` and ``discount`` are stored rounded to 2 digits (decimal precisions "Product Price" and
  "Discount"), half away from zero;
- the quantity is stored rounded to 2 digits too ("Product Unit of Measure");
- the line's base is ``round(price_unit * (1 - discount / 100) * quantity, 2)``;
- price-included taxes come out of it first: the untaxed amount is ``round((base - included fixed amounts)
  / (1 + Σ included rates / 100), 2)``, each included tax but the last is computed on it, the last one takes
  the rest of the price;
- each excluded tax is rounded on its line: percent ``round(untaxed * rate / 100, 2)``, fixed
  ``round(amount * quantity, 2)``;
- ``amount_untaxed`` = Σ line subtotals, ``amount_tax`` = Σ line taxes, ``amount_total`` = their sum.
This module is the bridge's own model of that; the sandbox has its own, written separately. Checked against
a real Odoo 17 (the oracle's 15 orders and invoices: tests/erp/odoo/test_amounts.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
TOLERANCE = CENT


def dec(value: Any) -> Decimal:
    """A document number (int, float, str, None) as a Decimal, floats through their shortest repr."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def round2(value: Decimal) -> Decimal:
    """Odoo's ``float_round(value, 2)``: half away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class Tax:
    """An Odoo sale tax as the arithmetic needs it."""

    id: int
    amount: Decimal
    amount_type: str = "percent"
    price_include: bool = False
    name: str = ""


@dataclasses.dataclass(frozen=True)
class Line:
    """The values of one Odoo line: price_unit, quantity, discount (percent) and taxes."""

    price_unit: Decimal
    quantity: Decimal
    discount: Decimal = ZERO
    taxes: tuple[Tax, ...] = ()


@dataclasses.dataclass(frozen=True)
class Totals:
    untaxed: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.untaxed + self.tax


def line_amounts(line: Line) -> Totals:
    """The line's subtotal (tax excluded) and tax, as Odoo computes and rounds them."""
    price = round2(dec(line.price_unit))
    discount = round2(dec(line.discount))
    quantity = round2(dec(line.quantity))
    base = round2(price * (1 - discount / HUNDRED) * quantity)
    included = [tax for tax in line.taxes if tax.price_include]
    subtotal, included_tax = _take_out_included(included, base, quantity)
    excluded_tax = sum((_excluded_amount(tax, subtotal, quantity) for tax in line.taxes
                        if not tax.price_include), ZERO)
    return Totals(subtotal, included_tax + excluded_tax)


def _take_out_included(included: list[Tax], base: Decimal, quantity: Decimal) -> tuple[Decimal, Decimal]:
    """Price-included taxes: the untaxed base is ``round((base - fixed) / (1 + Σ rates / 100))``; each tax
    but the last is computed on it, the last takes what is left of the price (Odoo's checkpoint)."""
    if not included:
        return base, ZERO
    fixed = sum((tax.amount * quantity for tax in included if tax.amount_type == "fixed"), ZERO)
    rate = sum((tax.amount for tax in included if tax.amount_type == "percent"), ZERO)
    subtotal = round2((base - fixed) / (1 + rate / HUNDRED))
    first = sum((_excluded_amount(tax, subtotal, quantity) for tax in included[:-1]), ZERO)
    return subtotal, first + (base - subtotal - first)


def _excluded_amount(tax: Tax, subtotal: Decimal, quantity: Decimal) -> Decimal:
    if tax.amount_type == "fixed":
        return round2(tax.amount * quantity)
    return round2(subtotal * tax.amount / HUNDRED)


def totals(lines: Iterable[Line]) -> Totals:
    """amount_untaxed and amount_tax of a document made of these lines."""
    untaxed, tax = ZERO, ZERO
    for line in lines:
        amounts = line_amounts(line)
        untaxed += amounts.untaxed
        tax += amounts.tax
    return Totals(untaxed, tax)


def differs(expected: Decimal, computed: Decimal) -> bool:
    """Whether two totals differ by more than a cent."""
    return abs(round2(dec(expected)) - round2(dec(computed))) > TOLERANCE


def totals_message(expected: Decimal, computed: Decimal) -> str:
    return f"totals differ: Magento {round2(dec(expected))}, Odoo would get {round2(dec(computed))}"
