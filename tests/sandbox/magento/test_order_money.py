"""Order money: both currencies priced independently, totals, payments with cards and credit."""

from __future__ import annotations

from sandbox.magento.order_lines import Row
from sandbox.magento.order_money import applied_taxes, order_totals, price_rows
from sandbox.magento.tax import Unit


def _row(item_id: int, price: float, qty: float, rate: float, discount: float = 0) -> Row:
    return Row({"item_id": item_id, "qty_ordered": qty}, unit=Unit(price, qty, rate, discount))


def test_the_order_currency_is_priced_from_converted_prices():
    rows = [_row(1, 64.99, 2, 19)]
    shipping = price_rows(rows, Unit(8, 1, 19), includes_tax=False, rate=0.9215)
    item = rows[0].item
    assert (item["base_price"], item["price"], item["base_row_total"], item["row_total"]) == (
        64.99, 59.89, 129.98, 119.78)
    assert (shipping["base_"]["row_total"], shipping[""]["row_total"]) == (8, 7.37)
    totals = order_totals(rows, shipping, {}, 0.9215)
    assert totals["base_grand_total"] == round(129.98 + 24.7 + 8 + 1.52, 2)
    assert totals["grand_total"] == round(119.78 + 22.76 + 7.37 + 1.4, 2)


def test_gift_cards_then_store_credit_never_take_more_than_the_total():
    rows = [_row(1, 20, 1, 0)]
    shipping = price_rows(rows, None, includes_tax=False, rate=1)
    totals = order_totals(rows, shipping, {"reward": 0, "gift_cards": 15, "customer_balance": 10}, 1)
    assert (totals["gift_cards_amount"], totals["customer_balance_amount"], totals["grand_total"]) == (15, 5, 0)


def test_applied_taxes_sum_rows_and_shipping_per_rate():
    rows = [_row(1, 10, 1, 19), _row(2, 10, 1, 7)]
    shipping = price_rows(rows, Unit(5, 1, 19), includes_tax=False, rate=1)
    taxes = applied_taxes(rows, shipping, 19, {19.0: "DE 19", 7.0: "DE 7"})
    assert [(tax["code"], tax["amount"]) for tax in taxes["applied_taxes"]] == [("DE 19", 2.85), ("DE 7", 0.7)]
    assert [entry["type"] for entry in taxes["item_applied_taxes"]] == ["product", "product", "shipping"]
    assert "item_id" not in taxes["item_applied_taxes"][2]  # null ids are left out, as Magento does
