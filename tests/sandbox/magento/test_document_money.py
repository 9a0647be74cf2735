"""Invoice and credit memo money: partial quantities share what is open, the last takes the rest."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.magento.invoicing import invoice_order, refund_order
from sandbox.magento.order_build import build_order

SPEC: dict[str, Any] = {"entity_id": 90, "increment_id": "000000190", "created_at": "2024-06-01 10:00:00",
        "updated_at": "2024-06-01 10:00:00", "customer_id": 1, "billing_from": 1, "shipping_from": 2,
        "currency": "EUR", "discount_percent": 10,
        "shipping": {"method": "flatrate_flatrate", "description": "Flat Rate - Fixed", "amount": 5,
                     "tax_percent": 21, "discounted": True},
        "lines": [{"sku": "NW-FUEL-230", "qty": 3, "price": 6.55, "tax_percent": 21}]}


@pytest.fixture
def order(sandbox) -> dict:
    sandbox.store.orders[90] = build_order(SPEC, sandbox.store)
    return sandbox.store.orders[90]


def _fuel(order: dict) -> list:
    return [order["items"][0]["item_id"]]


def test_three_single_invoices_add_up_to_the_order_row_exactly(sandbox, order):
    row = order["items"][0]
    assert (row["row_total"], row["tax_amount"], row["discount_amount"]) == (19.65, 3.71, 1.97)
    invoices = [sandbox.store.invoices[int(invoice_order(sandbox.store, 90, {"items": [
        {"order_item_id": row["item_id"], "qty": 1}]}))] for _ in range(3)]
    rows = [invoice["items"][0] for invoice in invoices]
    assert [r["tax_amount"] for r in rows] == [1.24, 1.24, 1.23]  # the last takes what is left
    assert [r["discount_amount"] for r in rows] == [0.66, 0.66, 0.65]
    assert round(sum(invoice["grand_total"] for invoice in invoices), 2) == order["grand_total"]
    assert [invoice["shipping_amount"] for invoice in invoices] == [5, 0, 0]  # shipping on the first invoice
    assert order["shipping_discount_amount"] == 0.5 and invoices[0]["discount_amount"] == -1.16
    assert order["items"][0]["tax_invoiced"] == 3.71 and order["state"] == "processing"


def test_credit_memos_share_what_was_invoiced(sandbox, order):
    invoice_order(sandbox.store, 90, {})
    item_id = order["items"][0]["item_id"]
    memos = [sandbox.store.creditmemos[int(refund_order(sandbox.store, 90, {
        "items": [{"order_item_id": item_id, "qty": qty}], "arguments": {"shipping_amount": 0}}))] for qty in (2, 1)]
    assert [memo["items"][0]["row_total"] for memo in memos] == [13.1, 6.55]
    assert [memo["items"][0]["tax_amount"] for memo in memos] == [2.47, 1.24]
    assert order["items"][0]["tax_refunded"] == 3.71 and order["items"][0]["amount_refunded"] == 19.65


def test_a_refund_of_part_of_the_shipping_takes_its_share_of_tax_and_discount(sandbox, order):
    invoice_order(sandbox.store, 90, {})
    item_id = order["items"][0]["item_id"]
    memo = sandbox.store.creditmemos[int(refund_order(sandbox.store, 90, {
        "items": [{"order_item_id": item_id, "qty": 1}], "arguments": {"shipping_amount": 2.5}}))]
    assert order["shipping_tax_amount"] == 0.95  # (5 - 0.50) x 21 %
    assert (memo["shipping_amount"], memo["shipping_tax_amount"]) == (2.5, 0.48)  # half of 0.95, rounded up
    assert memo["discount_amount"] == -(0.66 + 0.25)


TAX_INCLUDED = {**SPEC, "entity_id": 91, "increment_id": "000000191", "prices_include_tax": True,
                "shipping": {**SPEC["shipping"], "amount": 4.95},
                "lines": [{"sku": "NW-FUEL-230", "qty": 3, "price": 6.49, "tax_percent": 21}]}


def test_documents_count_the_shipping_discount_tax_compensation_once(sandbox):
    """``Invoice\\Total\\Tax`` / ``Creditmemo\\Total\\Tax``: the document's discount_tax_compensation_amount is the
    rows' plus the shipping's (the order's is the rows' only), and grand_total adds it once."""
    order = sandbox.store.orders[91] = build_order(TAX_INCLUDED, sandbox.store)
    assert order["discount_tax_compensation_amount"] == 0.34  # the rows' only
    assert order["shipping_discount_tax_compensation_amount"] == 0.09
    invoice = sandbox.store.invoices[int(invoice_order(sandbox.store, 91, {}))]
    assert invoice["discount_tax_compensation_amount"] == invoice["base_discount_tax_compensation_amount"] == 0.43
    assert invoice["shipping_discount_tax_compensation_amount"] == 0.09
    assert invoice["grand_total"] == invoice["base_grand_total"] == order["grand_total"] == 21.98
    assert order["discount_tax_compensation_invoiced"] == 0.43  # Invoice::register books the document's figure
    memo = sandbox.store.creditmemos[int(refund_order(sandbox.store, 91, {}))]
    assert memo["discount_tax_compensation_amount"] == 0.43 and memo["grand_total"] == 21.98
    assert order["discount_tax_compensation_refunded"] == 0.43 and order["state"] == "closed"
