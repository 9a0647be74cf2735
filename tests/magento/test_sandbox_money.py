"""Two implementations cross-checked: the Magento sandbox computes every money scenario of issue #9 with
Magento's arithmetic; the fetcher reads each order, invoice, credit memo and shipment over REST (with its real
``_bridge`` extras) and the mappers turn it into documents whose totals identity must rebuild Magento's
``grand_total`` to the cent, with each case's own figures (docs/sandbox-magento.md, "Money scenario records")."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.magento.scenarios import MONEY_CASES
from schemas.totals import totals_identity
from tests.magento.conftest import MoneyDocuments

# Magento's grand_total of each case's order, invoices and credit memos (docs/sandbox-magento.md).
GRAND_TOTALS = {
    "multi_rate_tax": (228.07, [228.07], []),
    "tax_included_prices": (192.57, [192.57], []),
    "dynamic_bundle_coupon": (207.30, [207.30], []),
    "fixed_bundle": (62.79, [62.79], []),
    "configurable_invoice_refund": (489.08, [489.08], [240.79]),
    "shipping_tax_discount": (70.52, [70.52], []),
    "partially_canceled": (101.07, [93.20], []),
    "eur_on_usd_base": (180.64, [180.64], []),
    "gift_card_store_credit": (151.19, [151.19], []),
    "store_credit_refund": (151.01, [151.01], [80.03]),
    "custom_options": (52.19, [52.19], []),
    "unmanaged_stock": (41.30, [], []),
    "b2b_vat": (598.35, [598.35], []),
    "two_tracks_partial_shipment": (108.94, [108.94], []),
}
def by_sku(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["product_sku"]: line for line in lines}


def only(lines: list[dict[str, Any]]) -> dict[str, Any]:
    [line] = lines
    return line


def test_every_money_case_is_seeded(money: MoneyDocuments) -> None:
    assert sorted(money) == sorted(MONEY_CASES) == sorted(GRAND_TOTALS)


@pytest.mark.parametrize("case", MONEY_CASES)
def test_every_order_invoice_and_credit_memo_rebuilds_magentos_grand_total(money, case):
    documents = money[case]
    order_total, invoice_totals, memo_totals = GRAND_TOTALS[case]
    assert [document["grand_total"] for document in documents["order"]] == [order_total]
    assert [document["grand_total"] for document in documents["invoice"]] == invoice_totals
    assert [document["grand_total"] for document in documents["creditmemo"]] == memo_totals
    for entity in ("order", "invoice", "creditmemo"):
        for document in documents[entity]:
            check = totals_identity(document)
            assert check.ok, f"{case} {entity} {document['magento_id']}: {check.detail}"


def test_multi_rate_tax_lines_keep_their_rates_and_the_order_its_berlin_date(money):
    order, = money["multi_rate_tax"]["order"]
    lines = by_sku(order["lines"])
    assert (lines["NW-STOVE"]["tax_percent"], lines["NW-BOTTLE-750"]["tax_percent"]) == (19, 8.25)
    assert [(tax["percent"], tax["amount"]) for tax in order["applied_taxes"]] == [(19, 23.71), (8.25, 6.06)]
    assert order["tax_amount"] == 29.77 and order["shipping"]["tax_percent"] == 19
    # placed 22:30 UTC on 31 May: 00:30 on 1 June in Berlin, the store's zone (storeConfigs)
    assert (order["created_at"], order["timezone"], order["created_at_local"], order["local_date"]) == (
        "2024-05-31 22:30:00", "Europe/Berlin", "2024-06-01 00:30:00", "2024-06-01")
    invoice, = money["multi_rate_tax"]["invoice"]
    assert (invoice["timezone"], invoice["local_date"]) == ("Europe/Berlin", "2024-06-01")


def test_tax_included_prices_carry_the_discount_tax_compensation(money):
    order, = money["tax_included_prices"]["order"]
    assert (order["discount_amount"], order["discount_tax_compensation_amount"]) == (-20.85, 3.62)
    assert sum(line["discount_tax_compensation_amount"] for line in order["lines"]) == pytest.approx(3.62)
    invoice, = money["tax_included_prices"]["invoice"]
    parka = by_sku(invoice["sold_lines"])["NW-PARKA-M-Red"]  # the configurable invoiced: one line of one unit
    assert len(invoice["sold_lines"]) == 2 and len(invoice["lines"]) == 3
    assert (parka["qty"], parka["price_incl_tax"], parka["row_total"], parka["discount_tax_compensation_amount"]) == (
        1, 189, 156.2, 3.28)


def test_a_dynamic_bundle_with_a_coupon_is_one_line_with_its_childrens_money(money):
    order, = money["dynamic_bundle_coupon"]["order"]
    invoice, = money["dynamic_bundle_coupon"]["invoice"]
    for line in (only(order["lines"]), only(invoice["sold_lines"])):
        assert (line["product_sku"], line["price_type"], line["qty"]) == ("NW-COOK-KIT", "dynamic", 2)
        assert (line["row_total"], line["discount_amount"], line["tax_amount"], line["tax_percent"]) == (
            194.8, 29.22, 34.77, 21)
        assert [(part["sku"], part["qty"]) for part in line["component_lines"]] == [
            ("NW-STOVE", 1), ("NW-FUEL-230", 2), ("NW-BOTTLE-750", 1)]  # per ONE bundle


def test_a_fixed_bundle_is_priced_on_its_parent_only(money):
    order, = money["fixed_bundle"]["order"]
    invoice, = money["fixed_bundle"]["invoice"]
    for line in (only(order["lines"]), only(invoice["sold_lines"])):
        assert (line["product_sku"], line["price_type"], line["qty"], line["row_total"], line["tax_amount"]) == (
            "NW-FIRST-AID", "fixed", 1, 49, 10.29)
        assert line["components"] == ["NW-FUEL-230", "NW-BOTTLE-750"]


def test_a_configurable_invoiced_and_refunded_is_one_line_each_time(money):
    documents = money["configurable_invoice_refund"]
    sold = only(documents["invoice"][0]["sold_lines"])
    assert (sold["product_sku"], sold["qty"], sold["row_total"], sold["tax_amount"]) == (
        "NW-PARKA-L-Navy", 2, 398, 83.58)
    refunded = only(documents["creditmemo"][0]["sold_lines"])
    assert (refunded["product_sku"], refunded["qty"], refunded["row_total"], refunded["tax_amount"]) == (
        "NW-PARKA-L-Navy", 1, 199, 41.79)
    line = only(documents["order"][0]["lines"])
    assert (line["qty_ordered"], line["qty_invoiced"], line["qty_refunded"]) == (2, 2, 1)


def test_the_shipping_discount_of_an_invoice_is_read_from_its_discount(money):
    order, = money["shipping_tax_discount"]["order"]
    invoice, = money["shipping_tax_discount"]["invoice"]
    for document in (order, invoice):
        shipping = document["shipping"]
        assert (shipping["amount"], shipping["discount_amount"], shipping["tax_amount"], shipping["tax_percent"]) == (
            12.95, 2.59, 2.18, 21)  # 21 % of 10.36, not 2.18 / 12.95
    assert invoice["discount_amount"] == -14.57  # 11.98 on the stove + 2.59 on shipping


def test_a_partially_canceled_line_keeps_its_canceled_quantity(money):
    order, = money["partially_canceled"]["order"]
    fuel, stove = by_sku(order["lines"])["NW-FUEL-230"], by_sku(order["lines"])["NW-STOVE"]
    assert (fuel["qty_ordered"], fuel["qty_canceled"], fuel["qty_invoiced"]) == (3, 1, 2)
    assert (stove["qty_ordered"], stove["qty_canceled"]) == (1, 0)
    assert order["total_canceled"] == 7.87
    invoice, = money["partially_canceled"]["invoice"]
    assert {sku: line["qty"] for sku, line in by_sku(invoice["sold_lines"]).items()} == {
        "NW-FUEL-230": 2, "NW-STOVE": 1}


def test_an_eur_order_on_a_usd_base_carries_both_currencies_in_its_stores_zone(money):
    for document in (*money["eur_on_usd_base"]["order"], *money["eur_on_usd_base"]["invoice"]):
        assert (document["currency"], document["base_currency"], document["base_to_order_rate"]) == (
            "EUR", "USD", 0.9215)
        assert (document["grand_total"], document["base_grand_total"]) == (180.64, 196.03)
        assert document["timezone"] == "America/Chicago"  # store view 2's storeConfigs entry


def test_gift_card_store_credit_and_reward_points_are_deducted(money):
    order, = money["gift_card_store_credit"]["order"]
    invoice, = money["gift_card_store_credit"]["invoice"]
    assert order["gift_cards"] == [{"code": "GC-7Q2K-XM4D", "amount": 50, "base_amount": 50}]
    assert order["reward_points_balance"] == 500
    for document in (order, invoice):
        assert (document["gift_cards_amount"], document["customer_balance_amount"],
                document["reward_currency_amount"]) == (50, 30, 5)


def test_a_refund_to_store_credit_with_adjustments(money):
    memo, = money["store_credit_refund"]["creditmemo"]
    assert (memo["adjustment_positive"], memo["adjustment_negative"], memo["adjustment"]) == (3, 1.5, 1.5)
    assert (memo["refund_to_store_credit"], memo["customer_balance_refunded"]) == (True, 80.03)
    assert (memo["shipping"]["amount"], memo["shipping"]["tax_amount"]) == (5, 1.05)
    assert only(memo["sold_lines"])["qty"] == 1


def test_custom_options_name_the_product_not_the_row_sku(money):
    order, = money["custom_options"]["order"]
    line = only(order["lines"])
    assert (line["sku"], line["product_sku"], line["row_total"]) == ("24-MB01-engraved", "24-MB01", 39)
    assert [(option["kind"], option["value"]) for option in line["options"]] == [("custom", "For Anna")]
    assert line["description"].endswith("\nFor Anna")


def test_an_order_not_yet_invoiced_and_a_b2b_order(money):
    unmanaged = only(money["unmanaged_stock"]["order"][0]["lines"])
    assert (unmanaged["product_sku"], unmanaged["qty"], unmanaged["qty_invoiced"]) == ("NW-LANTERN", 2, 0)
    b2b, = money["b2b_vat"]["order"]
    assert b2b["billing_address"]["company"] == "Visser Bouw B.V."
    assert {sku: line["qty"] for sku, line in by_sku(b2b["lines"]).items()} == {"NW-STOVE": 5, "BAG/TOTE-01": 10}


def test_a_partial_shipment_with_two_tracks(money):
    shipment, = money["two_tracks_partial_shipment"]["shipment"]
    assert {line["product_sku"]: line["qty"] for line in shipment["sold_lines"]} == {"NW-FUEL-230": 2, "NW-STOVE": 1}
    assert [(track["carrier_code"], track["number"]) for track in shipment["tracks"]] == [
        ("dhl", "JVGL0612345678"), ("ups", "1Z999AA10123456784")]
    order, = money["two_tracks_partial_shipment"]["order"]
    assert {sku: line["qty_shipped"] for sku, line in by_sku(order["lines"]).items()} == {"NW-FUEL-230": 2,
                                                                                         "NW-STOVE": 1}
