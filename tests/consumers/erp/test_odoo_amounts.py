"""Odoo's totals arithmetic as the bridge reproduces it (2-digit price and discount, taxes per line)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from consumers.erp import odoo_amounts as amounts
from consumers.erp.odoo_amounts import Line, Tax

SALE_825 = Tax(1, D("8.25"))
INCL_19 = Tax(2, D("19"), price_include=True)
INCL_7 = Tax(3, D("7"), price_include=True)
FIXED_2 = Tax(4, D("2"), amount_type="fixed")


@pytest.mark.parametrize(("value", "rounded"), [("11.385", "11.39"), ("-11.385", "-11.39"), ("0.005", "0.01"),
                                                ("2.675", "2.68"), ("1.004999", "1.00")])
def test_rounding_is_half_away_from_zero_on_the_decimal_value(value, rounded):
    assert amounts.round2(D(value)) == D(rounded)


def test_floats_keep_their_shortest_decimal_form():
    assert amounts.dec(2.675) == D("2.675") and amounts.dec(None) == 0 and amounts.dec("8.25") == D("8.25")


def test_the_real_sample_order_gets_magentos_total():
    lines = [Line(D("69"), D("2"), taxes=(SALE_825,)), Line(D("224"), D("1"), taxes=(SALE_825,)),
             Line(D("5"), D("1"))]

    result = amounts.totals(lines)

    assert (result.untaxed, result.tax, result.total) == (D("367"), D("29.87"), D("396.87"))


def test_tax_is_rounded_per_line_not_on_the_sum():
    one = Line(D("0.10"), D("1"), taxes=(Tax(1, D("5")),))  # 0.005 -> 0.01 on each line

    assert amounts.totals([one, one, one]).tax == D("0.03")


def test_price_and_discount_are_rounded_to_two_digits_before_use():
    line = Line(D("33.333"), D("3"), D("10.004"))  # Odoo stores 33.33 and 10.00

    assert amounts.line_amounts(line).untaxed == D("89.99")


def test_price_included_taxes_come_out_of_the_price():
    result = amounts.line_amounts(Line(D("119"), D("1"), taxes=(INCL_19,)))

    assert (result.untaxed, result.tax, result.total) == (D("100.00"), D("19.00"), D("119.00"))


def test_several_included_rates_share_the_price():
    result = amounts.line_amounts(Line(D("126"), D("1"), taxes=(INCL_19, INCL_7)))

    assert result.total == D("126") and result.tax == D("19.00") + D("7.00")


def test_fixed_taxes_count_per_unit():
    assert amounts.line_amounts(Line(D("10"), D("3"), taxes=(FIXED_2,))).tax == D("6.00")


def test_differs_tolerates_one_cent_only():
    assert not amounts.differs(D("396.87"), D("396.86"))
    assert amounts.differs(D("396.87"), D("396.85"))
    assert amounts.totals_message(D("396.87"), D("367")) == "totals differ: Magento 396.87, Odoo would get 367.00"
