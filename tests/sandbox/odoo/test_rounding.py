"""Odoo's float_round: HALF-UP on the decimal a person reads, not on the binary float."""

from __future__ import annotations

import pytest

from sandbox.odoo.rounding import currency_round, float_round, is_zero


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (2.675, 2, 2.68), (1.005, 2, 1.01), (-2.675, 2, -2.68), (0.125, 2, 0.13), (12.345, 2, 12.35),
    (19.994, 2, 19.99), (0.0, 2, 0.0), (1.2345, 3, 1.235), (2.5, 0, 3.0),
])
def test_float_round_is_half_up_like_odoo(value, digits, expected):
    assert float_round(value, digits) == expected


def test_currency_round_and_is_zero_use_the_rounding_factor():
    assert currency_round(0.1 + 0.2) == 0.3
    assert currency_round(0.015) == 0.02
    assert currency_round(123.4, rounding=1.0) == 123.0
    assert is_zero(0.004) and not is_zero(0.005)
