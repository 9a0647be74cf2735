"""Odoo's rounding of floats (``odoo.tools.float_utils.float_round``, HALF-UP), exact to the last digit.

Odoo computes amounts in binary floats and rounds them with an epsilon scaled to the value, so that
``2.675`` (stored as 2.67499999...) rounds to 2.68 as a person would. The tie-break is decided here with
``Decimal`` on the normalised value plus that epsilon, which gives the same digits as Odoo's code.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

PRICE_DIGITS = "Product Price"            # decimal.precision names, read from the database (2 digits when fresh)
DISCOUNT_DIGITS = "Discount"
UOM_DIGITS = "Product Unit of Measure"


def float_round(value: float, digits: int | None = None, rounding: float | None = None) -> float:
    """``value`` rounded HALF-UP to ``digits`` decimals or to a multiple of ``rounding`` (e.g. 0.01)."""
    factor = rounding if rounding is not None else 10 ** -(digits or 0)
    if factor == 0 or value == 0:
        return 0.0
    return float(_whole(value, factor) * Decimal(repr(factor)))  # as PostgreSQL's numeric gives it back: 8.7


def float_round_raw(value: float, rounding: float) -> float:
    """``float_round`` as Odoo's function returns it, the whole number times the factor in binary floats
    (301 * 0.01 = 3.0100000000000002): what a value not stored in a ``numeric`` column shows."""
    if rounding == 0 or value == 0:
        return 0.0
    return float(_whole(value, rounding)) * rounding


def _whole(value: float, factor: float) -> Decimal:
    """How many ``factor`` units ``value`` rounds to, HALF-UP with Odoo's epsilon."""
    normalized = value / factor
    epsilon = 2 ** (math.log(abs(normalized), 2) - 52)
    normalized += math.copysign(epsilon, normalized)
    return Decimal(repr(normalized)).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def currency_round(value: float, rounding: float = 0.01) -> float:
    """``res.currency.round``: a rounded amount in a currency of that rounding factor."""
    return float_round(value, rounding=rounding)


def is_zero(value: float, rounding: float = 0.01) -> bool:
    """``res.currency.is_zero``: whether an amount rounds to zero in that currency."""
    return currency_round(value, rounding) == 0.0
