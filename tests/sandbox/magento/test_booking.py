"""Credit memo adjustments and refunds to store credit (booking itself is covered through the endpoints)."""

from __future__ import annotations

from sandbox.magento.booking import adjust, store_credit_refund


def test_adjustments_are_base_amounts_converted_for_the_order_currency():
    memo = {"grand_total": 92.15, "base_grand_total": 100, "base_to_order_rate": 0.9215}
    adjust(memo, {"adjustment_positive": 10, "adjustment_negative": "4"})
    assert (memo["base_adjustment"], memo["adjustment"]) == (6, 5.53)
    assert (memo["base_grand_total"], memo["grand_total"]) == (106, 97.68)


def test_refund_to_store_credit_is_recorded_on_memo_and_order():
    memo = {"grand_total": 20, "base_grand_total": 20, "base_to_order_rate": 1}
    order = {"base_currency_code": "EUR", "extension_attributes": {}}
    comment = store_credit_refund(order, memo, {"extension_attributes": {"refund_customerbalance_return_enable": True}})
    assert comment == "We refunded 20.00 EUR to Store Credit"
    assert memo["extension_attributes"]["customer_bal_total_refunded"] == 20
    assert order["extension_attributes"]["customer_bal_total_refunded"] == 20
    assert store_credit_refund(order, {"grand_total": 5}, {}) is None
