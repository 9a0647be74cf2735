"""Magento's row arithmetic: PHP rounding, carried rounding remainders, tax after discount, tax in price."""

from __future__ import annotations

from sandbox.magento.tax import Pass, Rounder, Unit, cents, php_round, plain, row_money


def test_php_round_rounds_half_away_from_zero_on_the_decimal_value():
    assert (php_round(2.675), php_round(1.005), php_round(-0.125), php_round(18.475)) == (2.68, 1.01, -0.13, 18.48)
    assert (cents(5.0), cents(0.1 + 0.2), plain(21.0), plain(8.25)) == (5, 0.3, 21, 8.25)


def test_the_rounding_remainder_of_a_rate_moves_to_the_next_row_of_that_rate():
    rounder = Rounder()
    rows = [rounder.round(amount, "regular", 21) for amount in (1.005, 1.005, 1.005)]
    assert rows == [1.01, 1.0, 1.01] and round(sum(rows), 2) == php_round(3 * 1.005)
    assert rounder.round(1.005, "regular", 9) == 1.01  # another rate keeps its own remainder


def test_recorded_order_rows_are_reproduced():
    """order.json (Magento 2.3, 8.25 %): 2 x 69 -> tax 11.39, price incl. 74.70; then 224 -> 18.48."""
    state = Pass()
    hoodie = row_money(Unit(69, 2, 8.25), state)
    racer = row_money(Unit(224, 1, 8.25), state)
    assert (hoodie["tax_amount"], hoodie["price_incl_tax"], hoodie["row_total_incl_tax"]) == (11.39, 74.7, 149.39)
    assert (racer["tax_amount"], racer["row_total_incl_tax"]) == (18.48, 242.48)


def test_tax_is_charged_on_the_discounted_row_and_incl_tax_columns_stay_before_discount():
    money = row_money(Unit(59.9, 2, 21, 15), Pass())
    assert (money["row_total"], money["discount_amount"], money["tax_amount"]) == (119.8, 17.97, 21.38)
    assert (money["row_total_incl_tax"], money["price_incl_tax"]) == (144.96, 72.48)
    assert money["discount_tax_compensation_amount"] == 0


def test_prices_including_tax_extract_the_tax_and_compensate_the_discounted_part():
    money = row_money(Unit(189, 1, 21, 10), Pass(includes_tax=True))
    assert (money["price_incl_tax"], money["row_total_incl_tax"], money["row_total"]) == (189, 189, 156.2)
    assert (money["discount_amount"], money["tax_amount"], money["discount_tax_compensation_amount"]) == (
        18.9, 29.52, 3.28)
    # the row still adds up to what the customer pays: incl. tax minus the discount
    total = (money["row_total"] - money["discount_amount"] + money["tax_amount"]
             + money["discount_tax_compensation_amount"])
    assert round(total, 2) == 189 - 18.9


def test_row_based_calculation_rounds_every_row_on_its_own():
    total_based, row_based = Pass(), Pass(row_based=True)
    assert [row_money(Unit(1.5, 1, 21), total_based)["tax_amount"] for _ in range(3)] == [0.32, 0.31, 0.32]
    assert [row_money(Unit(1.5, 1, 21), row_based)["tax_amount"] for _ in range(3)] == [0.32, 0.32, 0.32]
