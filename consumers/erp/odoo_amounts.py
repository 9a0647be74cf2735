"""Odoo's arithmetic of document totals, reproduced from the values the bridge sends (pure, Decimal).

What Odoo 17/18 does with a sale.order.line or an account.move.line, in a 2-decimal currency with the
company setting "round per line" (``tax_calculation_rounding_method = round_per_line``, Odoo's default):
- ``price_unit`` and ``discount`` are stored rounded to 2 digits (decimal precisions "Product Price" and
  "Discount"), half away from zero;
- the line's base is ``round(price_unit * (1 - discount / 100) * quantity, 2)``;
- each tax is rounded on its line: percent excluded ``round(base * rate / 100, 2)``; percent included
  ``round(base * rate / (100 + Σ included rates), 2)``, taken out of the base; fixed ``round(amount *
  quantity, 2)`` (taken out of the base when included);
- ``amount_untaxed`` = Σ line subtotals, ``amount_tax`` = Σ line taxes, ``amount_total`` = their sum.
This module is the bridge's own model of that; the sandbox has its own, written separately.
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
    quantity = dec(line.quantity)
    base = round2(price * (1 - discount / HUNDRED) * quantity)
    included = [tax for tax in line.taxes if tax.price_include]
    included_rate = sum((tax.amount for tax in included if tax.amount_type == "percent"), ZERO)
    included_tax = sum((_included_amount(tax, base, quantity, included_rate) for tax in included), ZERO)
    subtotal = base - included_tax
    excluded_tax = sum((_excluded_amount(tax, subtotal, quantity) for tax in line.taxes
                        if not tax.price_include), ZERO)
    return Totals(subtotal, included_tax + excluded_tax)


def _included_amount(tax: Tax, base: Decimal, quantity: Decimal, included_rate: Decimal) -> Decimal:
    if tax.amount_type == "fixed":
        return round2(tax.amount * quantity)
    return round2(base * tax.amount / (HUNDRED + included_rate))


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
