"""Magento's row arithmetic for one currency: cart-rule discount, tax after discount, delta rounding.

Modelled on ``Magento\\Tax\\Model\\Calculation\\TotalBaseCalculator`` (the default
``tax/calculation/algorithm`` = ``TOTAL_BASE_CALCULATION``) with ``apply_after_discount`` on:

- every amount is rounded per row, and the rounding remainder of a rate is carried to the next row of the
  same rate (``deltaRound``, starting from 0.000001 so that .5 rounds up), separately for the tax before
  discount and the tax after discount, so that the rows of one rate add up to the rounded total;
- prices excluding tax: ``tax_amount`` = tax of (row total - discount); ``row_total_incl_tax`` and
  ``price_incl_tax`` are the row *before* discount plus its tax before discount (as Magento stores them);
- prices including tax (``calculateWithTaxInPrice``): the tax is extracted from the entered row, the
  discount is taken from the price including tax (``tax/calculation/discount_tax`` = 1), and the tax the
  discount removed is the ``discount_tax_compensation_amount``;
- a percentage cart rule (``ByPercent``) rounds each row's discount with its own carried remainder
  (``DeltaPriceRound``).

With ``tax/calculation/algorithm`` = ``ROW_BASE_CALCULATION`` (``Pass.row_based``) each row's tax is rounded
on its own (``RowBaseCalculator`` keys the remainders per row), so rows of one rate need not add up to the
rounded total of the rate. ``UNIT_BASE_CALCULATION`` is not modelled.

Amounts are rounded like PHP's ``round($x, 2)`` (half away from zero, after PHP's 15-digit pre-rounding).
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def php_round(value: float, places: int = 2) -> float:
    """``round($value, $places)`` as PHP computes it (half away from zero on the 15-digit decimal)."""
    exact = Decimal(f"{value:.15g}")
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def cents(value: float) -> float | int:
    """Rounded to cents, integral amounts as integers (Magento prints ``5``, not ``5.0``)."""
    rounded = php_round(value)
    return int(rounded) if rounded.is_integer() else rounded


def plain(value: float) -> float | int:
    """A rate or percent as Magento prints it: ``21``, ``8.25`` (never ``21.0``)."""
    number = float(value)
    return int(number) if number.is_integer() else number


class Rounder:
    """``deltaRound``: rounds an amount to cents, carrying the remainder per (kind, rate) to the next call."""

    def __init__(self) -> None:
        self.deltas: dict[tuple[str, float], float] = {}

    def round(self, amount: float, kind: str, rate: float = 0.0) -> float:
        if not amount:
            return 0.0
        amount += self.deltas.get((kind, rate), 0.000001)
        rounded = php_round(amount)
        self.deltas[(kind, rate)] = amount - rounded
        return rounded


@dataclasses.dataclass(frozen=True)
class Unit:
    """One priced row: its unit price as entered (incl. tax when the catalogue includes tax), quantity,
    tax rate in percent and cart-rule discount in percent."""

    price: float
    qty: float
    rate: float = 0.0
    discount_percent: float = 0.0


@dataclasses.dataclass
class Pass:
    """The running rounding state of one currency while an order's rows are priced in order."""

    includes_tax: bool = False
    row_based: bool = False  # ROW_BASE_CALCULATION: every row rounded on its own, no remainder carried
    taxes: Rounder = dataclasses.field(default_factory=Rounder)
    discounts: Rounder = dataclasses.field(default_factory=Rounder)


def row_money(unit: Unit, state: Pass) -> dict[str, Any]:
    """The money of one row: price, price_incl_tax, row_total, row_total_incl_tax, tax_amount,
    discount_amount (positive) and discount_tax_compensation_amount."""
    if state.row_based:
        state.taxes = Rounder()
    if state.includes_tax:
        return _tax_in_price(unit, state)
    return _tax_not_in_price(unit, state)


def _tax_not_in_price(unit: Unit, state: Pass) -> dict[str, Any]:
    price = php_round(unit.price)
    row_total = price * unit.qty
    discount = state.discounts.round(row_total * unit.discount_percent / 100, "discount")
    before = state.taxes.round(row_total * unit.rate / 100, "tax_before_discount", unit.rate)
    tax = state.taxes.round(max(row_total - discount, 0) * unit.rate / 100, "regular", unit.rate)
    incl = row_total + before
    return _money(price, php_round(incl / unit.qty) if unit.qty else price, row_total, incl, tax, discount, 0.0)


def _tax_in_price(unit: Unit, state: Pass) -> dict[str, Any]:
    price_incl = php_round(unit.price)
    incl = price_incl * unit.qty
    before = state.taxes.round(incl * unit.rate / (100 + unit.rate), "tax_before_discount", unit.rate)
    row_total = incl - before
    discount = state.discounts.round(incl * unit.discount_percent / 100, "discount")
    tax = state.taxes.round(max(incl - discount, 0) * unit.rate / (100 + unit.rate), "regular", unit.rate)
    price = php_round(row_total / unit.qty) if unit.qty else 0.0
    return _money(price, price_incl, row_total, incl, tax, discount, before - tax)


def _money(price: float, price_incl: float, row_total: float, incl: float, tax: float, discount: float,
           compensation: float) -> dict[str, Any]:
    return {"price": cents(price), "price_incl_tax": cents(price_incl), "row_total": cents(row_total),
            "row_total_incl_tax": cents(incl), "tax_amount": cents(tax), "discount_amount": cents(discount),
            "discount_tax_compensation_amount": cents(compensation)}


def converted(base_amount: float, base_to_order_rate: float) -> float:
    """A base-currency amount in the order currency (``PriceCurrency::convertAndRound``)."""
    return php_round(base_amount * base_to_order_rate)
