"""The money scenario records: each case holds Magento's totals identity and row-level consistency, read
through the REST API as the bridge reads them, plus the figures that make the case what it is."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.magento import quantities as q
from sandbox.magento.rest import Sandbox
from sandbox.magento.scenarios import MONEY_CASES, seed_money_cases

PAID_WITH = ("gift_cards_amount", "customer_balance_amount", "reward_currency_amount")


@pytest.fixture
def cases(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    return seed_money_cases(sandbox.store)


def _n(record: dict[str, Any], field: str) -> float:
    return float(record.get(field) or 0)


def identity(record: dict[str, Any], prefix: str = "", document: bool = False) -> float:
    """subtotal + shipping + tax + discount (negative) + tax compensations + adjustment - paid with cards,
    store credit and reward points (Adobe Commerce, from extension_attributes). A document's
    discount_tax_compensation_amount already holds the shipping's; an order's does not."""
    extension = record.get("extension_attributes") or {}
    total = sum(_n(record, f"{prefix}{field}") for field in (
        "subtotal", "shipping_amount", "tax_amount", "discount_amount", "discount_tax_compensation_amount",
        "adjustment"))
    if not document:
        total += _n(record, "base_shipping_discount_tax_compensation_amnt" if prefix
                    else "shipping_discount_tax_compensation_amount")
    total -= sum(_n(extension, f"{prefix}{field}") for field in PAID_WITH)
    return round(total, 2)


def check_order(order: dict[str, Any]) -> None:
    """Magento's identity in both currencies, and the priced rows add up to the order's totals."""
    priced = [item for item in order["items"] if not q.is_dummy(order, item)]
    for prefix in ("", "base_"):
        assert identity(order, prefix) == order[f"{prefix}grand_total"], prefix
        assert round(sum(item[f"{prefix}row_total"] for item in priced), 2) == order[f"{prefix}subtotal"]
        assert round(sum(item[f"{prefix}tax_amount"] for item in priced) + order[f"{prefix}shipping_tax_amount"],
                     2) == order[f"{prefix}tax_amount"]
        discounts = (sum(item[f"{prefix}discount_amount"] for item in priced)
                     + order[f"{prefix}shipping_discount_amount"])
        assert round(-discounts, 2) == order[f"{prefix}discount_amount"] <= 0
    taxes = order["extension_attributes"]["applied_taxes"]
    assert round(sum(tax["amount"] for tax in taxes), 2) == order["tax_amount"]
    for item in order["items"]:
        if q.is_dummy(order, item) and item["product_type"] == "bundle":  # dynamic: children carry tax, discount
            assert item["tax_amount"] == item["discount_amount"] == 0
            assert item["row_total"] == round(sum(child["row_total"] for child in q.children_of(order, item)), 2)
        elif q.is_dummy(order, item):
            assert item["row_total"] == item["tax_amount"] == item["discount_amount"] == item["base_price"] == 0
        else:  # the row is its price times its quantity (including tax in a tax-included catalogue)
            qty = item["qty_ordered"]
            assert round(item["price"] * qty, 2) == item["row_total"] or \
                round(item["price_incl_tax"] * qty, 2) == item["row_total_incl_tax"]


def check_document(document: dict[str, Any], order: dict[str, Any]) -> None:
    """An invoice or credit memo: identity, rows adding up, dummy rows without money."""
    by_id = q.items_by_id(order)
    for prefix in ("", "base_"):
        assert identity(document, prefix, document=True) == document[f"{prefix}grand_total"], prefix
        shipping_compensation = _n(document, "base_shipping_discount_tax_compensation_amnt" if prefix
                                   else "shipping_discount_tax_compensation_amount")
        rows = sum(_n(row, f"{prefix}discount_tax_compensation_amount") for row in document["items"])
        assert round(rows + shipping_compensation, 2) == document[f"{prefix}discount_tax_compensation_amount"]
    priced = [row for row in document["items"] if "row_total" in row]
    assert round(sum(row["row_total"] for row in priced), 2) == document["subtotal"]
    assert round(sum(row["tax_amount"] for row in priced) + document["shipping_tax_amount"], 2) \
        == document["tax_amount"]
    shipping_discount = round(-document["discount_amount"] - sum(row.get("discount_amount", 0) for row in priced), 2)
    assert 0 <= shipping_discount <= order["shipping_discount_amount"]
    for row in document["items"]:
        assert ("row_total" in row) != q.is_dummy(order, by_id[row["order_item_id"]])


def _get(api, path: str) -> dict[str, Any]:
    answer = api.get(path)
    assert answer.status_code == 200, answer.json
    return answer.json


def test_every_case_is_seeded_once_with_its_documents(sandbox, cases):
    assert tuple(cases) == MONEY_CASES
    assert seed_money_cases(sandbox.store) is cases  # a second call adds nothing
    assert len({ids["order_id"] for ids in cases.values()}) == len(MONEY_CASES)
    assert set(cases["unmanaged_stock"]) == {"order_id", "increment_id", "customer_id", "invoice_ids",
                                             "creditmemo_ids", "shipment_ids", "skus"}


@pytest.mark.parametrize("case", MONEY_CASES)
def test_each_case_holds_magentos_identity_on_its_order_and_documents(api, cases, case):
    ids = cases[case]
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    check_order(order)
    for invoice_id in ids["invoice_ids"]:
        check_document(_get(api, f"/V1/invoices/{invoice_id}"), order)
    for memo_id in ids["creditmemo_ids"]:
        check_document(_get(api, f"/V1/creditmemo/{memo_id}"), order)


def test_multi_rate_tax_order(api, cases):
    order = _get(api, f"/V1/orders/{cases['multi_rate_tax']['order_id']}")
    taxes = {tax["percent"]: tax["amount"] for tax in order["extension_attributes"]["applied_taxes"]}
    assert taxes == {19: 23.71, 8.25: 6.06} and order["tax_amount"] == 29.77 and order["grand_total"] == 228.07
    kinds = [(entry["type"], entry["applied_taxes"][0]["percent"])
             for entry in order["extension_attributes"]["item_applied_taxes"]]
    assert kinds == [("product", 19), ("product", 8.25), ("shipping", 19)]
    assert order["created_at"] == "2024-05-31 22:30:00"  # 00:30 on 1 June in Berlin


def test_tax_included_prices_carry_the_discount_tax_compensation(api, cases):
    order = _get(api, f"/V1/orders/{cases['tax_included_prices']['order_id']}")
    parka = order["items"][0]
    assert (parka["price_incl_tax"], parka["price"], parka["tax_amount"]) == (189, 156.2, 29.52)
    assert parka["discount_tax_compensation_amount"] == 3.28 and order["discount_tax_compensation_amount"] == 3.62
    assert order["coupon_code"] == "SUMMER10" and order["discount_amount"] == -20.85
    assert order["grand_total"] == round(189 + 3 * 6.49 + 4.95 - 20.85, 2)


def test_dynamic_bundle_children_carry_the_coupon_discount_and_tax(api, cases):
    ids = cases["dynamic_bundle_coupon"]
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    parent, *children = order["items"]
    assert parent["product_type"] == "bundle" and parent["price"] == 97.4 and parent["row_total"] == 194.8
    assert [child["discount_amount"] for child in children] == [17.97, 3.9, 7.35]
    assert order["discount_amount"] == -29.22 and order["tax_amount"] == 34.77
    invoice = _get(api, f"/V1/invoices/{ids['invoice_ids'][0]}")
    assert "row_total" not in invoice["items"][0] and invoice["items"][0]["price"] == 97.4
    assert invoice["discount_amount"] == -29.22


def test_fixed_bundle_is_priced_on_the_parent(api, cases):
    ids = cases["fixed_bundle"]
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    parent, *children = order["items"]
    assert (parent["price"], parent["tax_amount"]) == (49, 10.29)
    assert all(child["price"] == child["row_total"] == 0 for child in children)
    invoice = _get(api, f"/V1/invoices/{ids['invoice_ids'][0]}")
    assert [("row_total" in row) for row in invoice["items"]] == [True, False, False]
    assert invoice["grand_total"] == 62.79


def test_configurable_in_an_invoice_and_a_credit_memo(api, cases, sandbox):
    ids = cases["configurable_invoice_refund"]
    invoice = _get(api, f"/V1/invoices/{ids['invoice_ids'][0]}")
    parent_row, child_row = invoice["items"]
    assert parent_row["qty"] == 2 and parent_row["row_total"] == 398 and invoice["total_qty"] == 2
    assert child_row["price"] == 0 and "row_total" not in child_row
    memo = _get(api, f"/V1/creditmemo/{ids['creditmemo_ids'][0]}")
    assert [row["qty"] for row in memo["items"]] == [1, 1] and memo["subtotal"] == 199
    assert memo["grand_total"] == 240.79 and memo["shipping_amount"] == 0
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    assert order["items"][0]["qty_refunded"] == 1 and order["total_refunded"] == 240.79
    assert _get(api, "/V1/stockItems/NW-PARKA-L-Navy")["qty"] == 4  # 3 + the returned one


def test_shipping_with_tax_and_a_shipping_discount(api, cases):
    ids = cases["shipping_tax_discount"]
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    assert (order["shipping_amount"], order["shipping_discount_amount"], order["shipping_tax_amount"]) == (
        12.95, 2.59, 2.18)
    assert order["shipping_incl_tax"] == 15.67 and order["discount_amount"] == -14.57
    total = order["extension_attributes"]["shipping_assignments"][0]["shipping"]["total"]
    assert total["shipping_discount_amount"] == 2.59 and total["shipping_tax_amount"] == 2.18
    invoice = _get(api, f"/V1/invoices/{ids['invoice_ids'][0]}")
    assert invoice["discount_amount"] == -14.57 and invoice["shipping_tax_amount"] == 2.18


def test_partially_canceled_line(api, cases):
    order = _get(api, f"/V1/orders/{cases['partially_canceled']['order_id']}")
    fuel = order["items"][0]
    assert (fuel["qty_ordered"], fuel["qty_invoiced"], fuel["qty_canceled"]) == (3, 2, 1)
    assert order["total_canceled"] == 7.87 and order["total_paid"] == 93.2
    assert round(order["total_canceled"] + order["total_paid"], 2) == order["grand_total"]
    assert order["state"] == "processing"


def test_order_in_eur_on_a_usd_base(api, cases):
    order = _get(api, f"/V1/orders/{cases['eur_on_usd_base']['order_id']}")
    assert (order["base_currency_code"], order["order_currency_code"], order["base_to_order_rate"]) == (
        "USD", "EUR", 0.9215)
    assert (order["base_grand_total"], order["grand_total"]) == (196.03, 180.64)
    assert (order["items"][0]["base_price"], order["items"][0]["price"]) == (64.99, 59.89)
    stores = {config["id"]: config for config in _get(api, "/V1/store/storeConfigs")}
    assert stores[order["store_id"]]["base_currency_code"] == "USD"


def test_gift_card_store_credit_and_reward_points(api, cases):
    ids = cases["gift_card_store_credit"]
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    extension = order["extension_attributes"]
    assert extension["gift_cards"] == [{"id": 3, "code": "GC-7Q2K-XM4D", "amount": 50, "base_amount": 50}]
    assert (extension["gift_cards_amount"], extension["customer_balance_amount"],
            extension["reward_currency_amount"], extension["reward_points_balance"]) == (50, 30, 5, 500)
    assert order["grand_total"] == round(189 * 1.21 + 7.5 - 85, 2)
    invoice = _get(api, f"/V1/invoices/{ids['invoice_ids'][0]}")
    assert invoice["extension_attributes"]["gift_cards_amount"] == 50 and invoice["grand_total"] == order["grand_total"]
    booked = _get(api, f"/V1/orders/{ids['order_id']}")["extension_attributes"]
    assert (booked["gift_cards_invoiced"], booked["customer_balance_invoiced"],
            booked["rwrd_currency_amount_invoiced"]) == (50, 30, 5)


def test_refund_to_store_credit_with_adjustments(api, cases):
    ids = cases["store_credit_refund"]
    memo = _get(api, f"/V1/creditmemo/{ids['creditmemo_ids'][0]}")
    assert (memo["adjustment_positive"], memo["adjustment_negative"], memo["adjustment"]) == (3, 1.5, 1.5)
    assert (memo["shipping_amount"], memo["shipping_tax_amount"], memo["grand_total"]) == (5, 1.05, 80.03)
    assert memo["extension_attributes"] == {"customer_bal_total_refunded": 80.03,
                                            "bs_customer_bal_total_refunded": 80.03,
                                            "customer_balance_refund_flag": True}
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    assert order["status_histories"][0]["comment"] == "We refunded 80.03 EUR to Store Credit"


def test_custom_options_row(api, cases, sandbox):
    order = _get(api, f"/V1/orders/{cases['custom_options']['order_id']}")
    row = order["items"][0]
    assert row["sku"] == "24-MB01-engraved" and row["product_id"] == sandbox.store.product("24-MB01")["id"]
    assert row["price"] == 39
    assert row["product_option"]["extension_attributes"]["custom_options"] == [
        {"option_id": "1", "option_value": "For Anna"}]


def test_unmanaged_stock_item(api, cases):
    stock = _get(api, "/V1/stockItems/NW-LANTERN")
    assert stock["manage_stock"] is False and stock["use_config_manage_stock"] is False
    order = _get(api, f"/V1/orders/{cases['unmanaged_stock']['order_id']}")
    assert order["items"][0]["sku"] == "NW-LANTERN" and order["state"] == "new"


def test_b2b_customer_with_a_vat_number(api, cases):
    ids = cases["b2b_vat"]
    customer = _get(api, f"/V1/customers/{ids['customer_id']}")
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    assert customer["taxvat"] == "NL123456789B01"
    billing = order["billing_address"]
    assert (billing["company"], billing["vat_id"]) == ("Visser Bouw B.V.", "NL123456789B01")
    assert order["payment"]["po_number"] == "PO-2024-377"


def test_shipment_with_two_tracks_and_a_partial_quantity(api, cases):
    ids = cases["two_tracks_partial_shipment"]
    shipment = _get(api, f"/V1/shipment/{ids['shipment_ids'][0]}")
    assert [(track["carrier_code"], track["title"]) for track in shipment["tracks"]] == [
        ("dhl", "DHL Parcel"), ("ups", "United Parcel Service")]
    order = _get(api, f"/V1/orders/{ids['order_id']}")
    assert [(item["qty_ordered"], item["qty_shipped"]) for item in order["items"]] == [(4, 2), (1, 1)]
    assert order["state"] == "processing"
