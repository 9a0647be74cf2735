"""Odoo's rounding of floats (``odoo.tools.float_utils.float_round``, HALF-UP), exact to the last digit.

Odoo computes amounts in binary floats and rounds them with an epsilon scaled to the value, so that
``2.675`` (stored as 2.67499999...) rounds to 2.68 as a person would. The tie-break is decided here with
``Decimal`` on the normalised value plus that epsilon, which gives the same digits as Odoo's code.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

PRICE_DIGITS = 2       # decimal.precision "Product Price" in a fresh database
DISCOUNT_DIGITS = 2    # decimal.precision "Discount"
UOM_DIGITS = 2         # decimal.precision "Product Unit of Measure" (2 in Odoo 17 and 18's product_data.xml)


def float_round(value: float, digits: int | None = None, rounding: float | None = None) -> float:
    """``value`` rounded HALF-UP to ``digits`` decimals or to a multiple of ``rounding`` (e.g. 0.01)."""
    factor = rounding if rounding is not None else 10 ** -(digits or 0)
    if factor == 0 or value == 0:
        return 0.0
    normalized = value / factor
    epsilon = 2 ** (math.log(abs(normalized), 2) - 52)
    normalized += math.copysign(epsilon, normalized)
    whole = Decimal(repr(normalized)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(whole * Decimal(repr(factor)))  # as PostgreSQL's numeric gives it back: 8.7, not 8.700000000000001


def currency_round(value: float, rounding: float = 0.01) -> float:
    """``res.currency.round``: a rounded amount in a currency of that rounding factor."""
    return float_round(value, rounding=rounding)


def is_zero(value: float, rounding: float = 0.01) -> bool:
    """``res.currency.is_zero``: whether an amount rounds to zero in that currency."""
    return currency_round(value, rounding) == 0.0
