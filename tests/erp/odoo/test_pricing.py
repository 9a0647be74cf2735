"""Sales documents priced for Odoo: the values chosen give Odoo's totals equal to Magento's, or a refusal."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from core.errors import ErpRejected
from erp.odoo import pricing
from erp.odoo.amounts import Tax


def taxes(rate, include, codes=()):
    """Every rate exists in Odoo, excluded and included (ids 1000+rate*100, +1 when included)."""
    return Tax(int(rate * 100) + 1000 + (1 if include else 0), D(rate), price_include=include)


def line(item, sku, qty, price, rate=0, discount=0, **over):
    row = D(str(qty)) * D(str(price))
    tax = ((row - D(str(discount))) * D(str(rate)) / 100).quantize(D("0.01"))
    return {"magento_item_id": item, "sku": sku, "product_sku": sku, "name": f"Item {sku}", "qty": qty,
            "qty_ordered": qty, "qty_canceled": 0, "price": price, "row_total": float(row), "tax_amount": float(tax),
            "discount_amount": discount, "tax_percent": rate, "price_incl_tax": None, "row_total_incl_tax": None,
            "discount_tax_compensation_amount": 0, "component_lines": [], "price_type": None, "description": None,
            **over}


def shipping(amount, tax=0.0, rate=0, discount=0.0):
    return {"method": "flatrate_flatrate", "description": "Flat Rate", "amount": amount, "tax_amount": tax,
            "incl_tax": amount + tax, "discount_amount": discount, "discount_tax_compensation_amount": 0,
            "tax_percent": rate}


def order(lines, grand_total, ship=None, **over):
    return {"magento_id": 42, "increment_id": "000000042", "currency": "USD", "grand_total": grand_total,
            "lines": lines, "shipping": ship, "shipping_amount": ship["amount"] if ship else 0,
            "gift_cards_amount": None, "customer_balance_amount": None, "reward_currency_amount": None, **over}


def totals(priced):
    return priced.computed.untaxed, priced.computed.tax, priced.computed.total


def test_the_real_sample_order_carries_its_taxes():
    doc = order([line(16, "MH09-XS-Blue", 2, 69, 8.25), line(18, "RACER", 1, 224, 8.25)], 396.87,
                shipping(5.0))

    priced = pricing.price_order(doc, taxes)

    assert totals(priced) == (D("367.00"), D("29.87"), D("396.87"))
    assert [row.line.taxes[0].amount for row in priced.rows[:2]] == [D("8.25"), D("8.25")]
    assert [(row.key, row.product) for row in priced.rows] == [("line_order_16", "MH09-XS-Blue"),
                                                              ("line_order_18", "RACER"), (None, None)]
    assert priced.rows[2].service == "shipping" and priced.rows[2].label == "Shipping: Flat Rate"


def test_without_its_taxes_the_order_is_refused_with_both_figures():
    doc = order([line(16, "A", 2, 69, 0), line(18, "B", 1, 224, 0)], 396.87, shipping(5.0))

    with pytest.raises(ErpRejected, match=r"totals differ: Magento 396.87, Odoo would get 367.00"):
        pricing.price_order(doc, taxes)


def test_two_rates_each_get_their_tax():
    doc = order([line(1, "A", 3, 19.99, 19), line(2, "B", 1, 12.5, 7)], 59.97 + 11.39 + 12.5 + 0.88)

    priced = pricing.price_order(doc, taxes)

    assert [row.line.taxes[0].amount for row in priced.rows] == [D("19"), D("7")]
    assert priced.computed.total == D("84.74")


def test_a_coupon_discount_becomes_the_lines_percentage():
    doc = order([line(1, "A", 2, 50, 10, discount=10)], 99.0 + 5, shipping(5.0))

    priced = pricing.price_order(doc, taxes)

    assert (priced.rows[0].line.price_unit, priced.rows[0].line.discount) == (D("50.00"), D("10.00"))
    assert totals(priced) == (D("95.00"), D("9.00"), D("104.00"))


def test_a_discount_no_percentage_can_express_takes_the_net_unit_price():
    doc = order([line(1, "A", 1, 1000, 0, discount=0.07)], 999.93)  # 0.007 % is 0.01 % in Odoo: 999.90

    row = pricing.price_order(doc, taxes).rows[0]

    assert (row.line.price_unit, row.line.discount, row.line.quantity) == (D("999.93"), D("0"), D("1"))


def test_prices_including_tax_use_a_price_included_tax():
    item = line(1, "A", 2, 119, 19, price_incl_tax=119, row_total=238, row_total_incl_tax=238, tax_amount=38,
                discount_amount=0)
    item["row_total"] = 200  # Magento's row_total excludes the tax
    doc = order([item], 238.0)

    priced = pricing.price_order(doc, taxes)

    assert priced.rows[0].line.taxes[0].price_include and priced.rows[0].line.price_unit == D("119.00")
    assert totals(priced) == (D("200.00"), D("38.00"), D("238.00"))


def test_shipping_is_net_of_its_discount_with_its_tax():
    doc = order([line(1, "A", 1, 100, 10)], 110 + 8 + 0.8, shipping(10.0, 0.8, 10, discount=2.0))

    row = pricing.price_order(doc, taxes).rows[1]

    assert row.service == "shipping" and row.line.taxes[0].amount == D("10")
    assert pricing.price_order(doc, taxes).computed.total == D("118.80")


def test_a_partially_canceled_line_goes_out_for_what_is_left_and_the_total_follows():
    doc = order([line(1, "A", 4, 10, 10, qty_canceled=1), line(2, "B", 1, 5, 10)], 44 + 5.5)

    priced = pricing.price_order(doc, taxes)

    assert priced.rows[0].line.quantity == D("3")
    assert priced.expected == D("38.50") == priced.computed.total  # 49.50 less the canceled unit's 11.00


def dynamic_bundle(rate_a, rate_b, discount_a=0.0, discount_b=0.0):
    children = [
        {"magento_item_id": 11, "sku": "CH-A", "product_id": 501, "name": "Child A", "qty": 1, "qty_ordered": 2,
         "price": 20, "row_total": 40, "tax_amount": round((40 - discount_a) * rate_a / 100, 2),
         "discount_amount": discount_a, "tax_percent": rate_a, "discount_tax_compensation_amount": 0},
        {"magento_item_id": 12, "sku": "CH-B", "product_id": 502, "name": "Child B", "qty": 2, "qty_ordered": 4,
         "price": 5, "row_total": 20, "tax_amount": round((20 - discount_b) * rate_b / 100, 2),
         "discount_amount": discount_b, "tax_percent": rate_b, "discount_tax_compensation_amount": 0}]
    common = rate_a if rate_a == rate_b else None
    return line(10, "BUNDLE-CH-A-CH-B", 2, 30, 0, product_sku="BUNDLE", price_type="dynamic",
                tax_percent=common, row_total=60, discount_amount=discount_a + discount_b,
                tax_amount=sum(child["tax_amount"] for child in children), component_lines=children,
                components=["CH-A", "CH-B"])


def test_a_dynamic_bundle_with_one_rate_is_one_line_with_its_childrens_money():
    doc = order([dynamic_bundle(10, 10, 4.0, 2.0)], 54 + 5.4)

    priced = pricing.price_order(doc, taxes)

    assert [(row.product, row.line.quantity) for row in priced.rows] == [("BUNDLE", D("2"))]
    assert priced.computed.total == D("59.40")


def test_a_dynamic_bundle_with_two_rates_is_written_as_its_components():
    doc = order([dynamic_bundle(10, 20, 4.0, 2.0)], 36 + 3.6 + 18 + 3.6)

    priced = pricing.price_order(doc, taxes)

    assert [(row.key, row.product, row.line.quantity) for row in priced.rows] == [
        ("line_order_11", "CH-A", D("2")), ("line_order_12", "CH-B", D("4"))]
    assert priced.computed.total == D("61.20")
    assert pricing.uses_components(doc["lines"][0])


def test_magentos_one_cent_delta_rounding_goes_on_a_rounding_line():
    items = [line(1, "A", 1, 0.1, 5), line(2, "B", 1, 0.1, 5), line(3, "C", 1, 0.1, 5)]
    for item, tax in zip(items, (0.01, 0.0, 0.01)):  # Magento carries the half cents across rows
        item["tax_amount"] = tax
    doc = order(items, 0.32)

    priced = pricing.price_order(doc, taxes)

    assert priced.rows[-1].service == "rounding" and priced.rows[-1].line.price_unit == D("-0.01")
    assert priced.computed.total == D("0.32")


def test_gift_cards_store_credit_and_reward_points_are_lines_of_their_own():
    doc = order([line(1, "A", 1, 100, 0)], 100 + 10 - 25 - 10 - 5, shipping(10.0), gift_cards_amount=25,
                gift_cards=[{"code": "GC-1", "amount": 25, "base_amount": 25}], customer_balance_amount=10,
                reward_currency_amount=5)

    priced = pricing.price_order(doc, taxes)

    assert [(row.service, row.label, row.line.price_unit) for row in priced.rows[2:]] == [
        ("gift_card", "Gift card GC-1", D("-25")), ("store_credit", "Store credit", D("-10")),
        ("reward", "Reward points", D("-5"))]
    assert priced.computed.total == D("70")


def sold(order_item, sku, qty, price, rate=0, **over):
    item = line(order_item, sku, qty, price, rate, **over)
    item.pop("magento_item_id")
    return {**item, "order_item_id": order_item}


def test_an_invoice_is_written_from_its_folded_sold_lines():
    doc = {"increment_id": "INV-1", "order_id": 42, "grand_total": 79.69, "currency": "USD",
           "shipping": shipping(5.0), "lines": [{"sku": "MH01", "qty": 1}, {"sku": "MH01-S-Gray", "qty": 1}],
           "sold_lines": [sold(16, "MH01", 1, 69, 8.25, product_sku="MH01-S-Gray")]}

    priced = pricing.price_move(doc, taxes, "invoice")

    assert [(row.item_id, row.product, row.line.quantity) for row in priced.rows] == [
        (16, "MH01-S-Gray", D("1")), (None, None, D("1"))]  # the configurable's child row is not priced again
    assert priced.computed.total == D("79.69")


def test_a_credit_memo_refunded_to_store_credit_with_adjustments():
    doc = {"increment_id": "CM-1", "order_id": 42, "grand_total": 20 + 3 - 5, "currency": "USD", "shipping": None,
           "sold_lines": [sold(2, "TR-2", 1, 20)], "adjustment_positive": 3, "adjustment_negative": 5,
           "refund_to_store_credit": True, "customer_balance_refunded": 18}

    priced = pricing.price_move(doc, taxes, "creditmemo")

    assert [(row.label, row.line.price_unit) for row in priced.rows[1:]] == [("Adjustment refund", D("3")),
                                                                            ("Adjustment fee", D("-5"))]
    assert priced.computed.total == D("18")


def test_documents_before_the_money_fields_still_balance():
    legacy = {"magento_id": 1, "increment_id": "1", "grand_total": 95.5 - 4, "shipping_amount": 7.5,
              "discount_amount": -4, "lines": [{"order_item_id": 1, "sku": "TR-1", "qty": 2, "price": 34.0},
                                               {"order_item_id": 2, "sku": "TR-2", "qty": 1, "price": 20.0}]}

    priced = pricing.price_move(legacy, taxes, "invoice")

    assert [row.label for row in priced.rows] == ["[TR-1] TR-1", "[TR-2] TR-2", "Shipping", "Discount"]
    assert priced.computed.total == D("91.5")


def test_rows_without_money_are_not_priced():
    doc = {"increment_id": "INV-2", "grand_total": 10, "sold_lines": [sold(1, "A", 1, 10), sold(2, "B", 0, 0)]}

    assert len(pricing.price_move(doc, taxes, "invoice").rows) == 1


def test_a_taxed_row_without_a_rate_gets_it_derived_from_its_amounts():
    item = line(1, "A", 1, 100, 0, tax_percent=None, tax_amount=8.25)

    assert pricing.price_order(order([item], 108.25), taxes).rows[0].line.taxes[0].amount == D("8.25")


def test_options_description_names_the_line():
    item = line(1, "24-MB01", 1, 34, 0, description="Joust Duffle Bag\nEngraving: Ana")

    assert pricing.price_order(order([item], 34), taxes).rows[0].label == "[24-MB01] Joust Duffle Bag\nEngraving: Ana"


def test_a_small_discount_on_a_large_quantity_gets_a_discount_line_of_the_same_tax():
    doc = order([line(1, "A", 1000, 0.99, 10, discount=0.37)], 989.63 + 98.96)  # 0.037 % and 0.98963 a unit

    priced = pricing.price_order(doc, taxes)

    main, discount = priced.rows
    assert (main.line.price_unit, main.line.discount, main.line.quantity) == (D("0.99"), D("0"), D("1000"))
    assert (discount.service, discount.key, discount.label) == ("discount", "line_order_1_discount", "Discount on A")
    assert discount.line.price_unit == D("-0.37") and discount.line.taxes == main.line.taxes
    assert priced.computed.total == D("1088.59")
