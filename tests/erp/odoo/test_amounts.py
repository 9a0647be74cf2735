"""Odoo's totals arithmetic as the bridge reproduces it (2-digit price and discount, taxes per line)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from erp.odoo import amounts
from erp.odoo.amounts import Line, Tax

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


# Figures a real Odoo 17 gave (/work/oracle/FINDINGS.md, "(a) Amounts", round per line; orders and invoices alike):
# lines (quantity, price_unit, discount %, taxes) -> amount_untaxed, amount_tax, amount_total.
ORACLE_TAXES = {"T8.25": Tax(1, D("8.25")), "T19": Tax(2, D("19")), "T15": Tax(3, D("15")),
                "FIX2.5": Tax(4, D("2.5"), "fixed"), "T19inc": Tax(5, D("19"), price_include=True),
                "T8.25inc": Tax(6, D("8.25"), price_include=True), "FIX1inc": Tax(7, D("1"), "fixed", True)}
ORACLE = [
    ([(1, "100", 0, ["T8.25"])], ("100.00", "8.25", "108.25")),
    ([(3, "19.995", 0, ["T19"]), ("2.5", "10.333", 10, ["T19"])], ("83.24", "15.82", "99.06")),
    ([("1.25", "33.335", "12.5", ["T8.25"]), (7, "0.105", 0, ["T8.25"])], ("37.24", "3.07", "40.31")),
    ([(2, "49.99", 0, ["T15"]), (1, "0.01", 0, ["T15"])], ("99.99", "15.00", "114.99")),
    ([(3, "10", 0, ["FIX2.5"]), ("1.5", "20", 5, ["FIX2.5", "T19"])], ("58.50", "16.67", "75.17")),
    ([(1, "119", 0, ["T19inc"]), (2, "10.825", 0, ["T8.25inc"])], ("120.01", "20.65", "140.66")),
    ([(3, "99.999", 0, ["T19inc"]), (1, "1.005", 0, ["T19inc"])], ("252.95", "48.06", "301.01")),
    ([(2, "10", 0, ["T8.25", "T19"]), (1, "100.5", "3.333", ["T15", "T8.25"])], ("117.15", "28.03", "145.18")),
    ([("0.333", "12.345", 0, ["T8.25"]), ("10.005", "1.115", 0, ["T19"])], ("15.29", "2.47", "17.76")),
    ([(1, "1000", 50, ["T8.25"]), (4, "2.675", "25.555", ["T15"])], ("507.98", "42.45", "550.43")),
    ([(5, "3.3333", 0, ["T19inc", "T8.25"]), (1, "59.95", 0, ["FIX1inc"])], ("72.94", "4.81", "77.75")),
    ([(12, "0.99", 0, ["T8.25"])] * 3, ("35.64", "2.94", "38.58")),
    ([(1, "0.5", 0, ["T19"])] * 3, ("1.50", "0.30", "1.80")),
    ([(100, "1.2345", "7.5", ["T15", "FIX2.5"]), (2, "17.5", 0, [])], ("148.78", "267.07", "415.85")),
    ([(1, "-10", 0, ["T19"]), (3, "25", 100, ["T19"]), (1, "40", 0, ["T8.25inc", "T19inc"])],
     ("21.43", "6.67", "28.10")),
]


@pytest.mark.parametrize(("lines", "expected"), ORACLE, ids=[f"SO{number}" for number in range(1, 16)])
def test_totals_equal_a_real_odoo_17(lines, expected):
    result = amounts.totals(Line(D(str(price)), D(str(qty)), D(str(discount)), tuple(ORACLE_TAXES[t] for t in taxes))
                            for qty, price, discount, taxes in lines)

    assert (result.untaxed, result.tax, result.total) == tuple(D(figure) for figure in expected)
