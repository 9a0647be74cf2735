"""Contract test: every order, invoice and credit memo record in the samples folder, mapped and written to
the Odoo sandbox, lands with Odoo's ``amount_total`` equal to Magento's ``grand_total`` (an order: less
``total_canceled``) and its tax within a cent. The mapping side (the totals identity of each document) is
``test_contract_mapping``; the samples are found as every contract test finds them (tests/samples.py,
``MAGENTO_SAMPLES_DIR``), and the test is skipped when the folder is absent.

Odoo is prepared as an operator prepares it (docs/odoo.md): a sale tax per Magento rate, price excluded and
included, and the order currency active. What a document needs that the folder does not hold is made here:
its products (from the lines) and customer (the ``customer.json`` sample when it is the order's customer),
and for an invoice or credit memo the order it belongs to, built from the document's own rows.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from erp.odoo.backend import OdooBackend
from schemas.mapping import map_record
from tests.erp.conftest import Documents, OdooSandbox, backend, documents, odoo_rpc, odoo_sandbox, sleeps  # noqa: F401
from tests.samples import SAMPLES_DIR, sales_record_samples

SAMPLES = sales_record_samples(SAMPLES_DIR)
MOVE_TYPES = {"invoice": "out_invoice", "creditmemo": "out_refund"}
CENT = Decimal("0.01")


def cents(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def test_the_folder_holds_the_order_and_invoice_records(samples_dir: Path) -> None:
    assert {"order.json", "invoice.json"} <= set(sales_record_samples(samples_dir))


@pytest.mark.parametrize("name", SAMPLES)
def test_the_sample_is_written_to_odoo_with_its_grand_total(samples_dir: Path, name: str,
                                                              odoo_sandbox: OdooSandbox,  # noqa: F811
                                                              backend: OdooBackend,  # noqa: F811
                                                              documents: Documents) -> None:  # noqa: F811
    entity = name.split(".")[0]
    record = json.loads((samples_dir / name).read_text())
    document = map_record(entity, record)
    rows = document["lines"] if entity == "order" else document["sold_lines"]
    _prepare(odoo_sandbox, backend, documents, samples_dir, document, rows)
    if entity != "order":
        backend.upsert("order", str(document["order_id"]), _order_of(documents, document))

    backend.upsert(entity, str(document["magento_id"]), document)

    if entity == "order":
        [written] = odoo_sandbox.records("sale.order", "amount_total", "amount_tax", "currency_id")
        total = cents(record["grand_total"]) - cents(record.get("total_canceled"))
        tax = cents(record["tax_amount"]) - cents(record.get("tax_canceled"))
    else:
        [written] = [move for move in odoo_sandbox.records("account.move", "amount_total", "amount_tax", "currency_id",
                                                            "move_type", "state")
                     if move["move_type"] == MOVE_TYPES[entity]]
        assert written["state"] == "posted"
        total, tax = cents(record["grand_total"]), cents(record["tax_amount"])
    figures = f"{name}: Magento {total} (tax {tax}), Odoo {written['amount_total']} (tax {written['amount_tax']})"
    assert cents(written["amount_total"]) == total, figures
    assert abs(cents(written["amount_tax"]) - tax) <= CENT, figures
    assert written["currency_id"][1] == record["order_currency_code"]


def _prepare(odoo_sandbox: OdooSandbox, backend: OdooBackend, documents: Documents, samples_dir: Path,
             document: dict, rows: list[dict]) -> None:
    """The document's customer and products in Odoo, a sale tax per rate, its currency active."""
    customer = document.get("customer") or {}
    if customer.get("magento_id") and not customer.get("is_guest"):
        backend.upsert("customer", str(customer["magento_id"]), _customer(documents, samples_dir, customer))
    parts = [part for row in rows for part in [row, *(row.get("component_lines") or [])]]
    for sku in sorted({row.get("product_sku") or row["sku"] for row in rows} | {part["sku"] for part in parts}):
        backend.upsert("product", sku, documents.product(sku))
    rates = {part.get("tax_percent") for part in parts} | {(document.get("shipping") or {}).get("tax_percent")}
    rates |= {tax["percent"] for tax in document.get("applied_taxes") or []}
    for rate in sorted(float(rate) for rate in rates if rate):
        for included in (False, True):
            odoo_sandbox.execute("account.tax", "create", [{
                "name": f"Sales {rate:g}%{' incl.' if included else ''}", "amount": rate, "amount_type": "percent",
                "type_tax_use": "sale", "price_include": included}])
    if document.get("currency") and document["currency"] != "USD":
        [currency] = odoo_sandbox.execute("res.currency", "search", [[("name", "=", document["currency"]),
                                                                      ("active", "in", [True, False])]])
        odoo_sandbox.execute("res.currency", "write", [[currency], {"active": True}])


def _customer(documents: Documents, samples_dir: Path, customer: dict) -> dict:
    """The customer.json sample when it is the order's customer, else a customer of this project's own."""
    sample = json.loads((samples_dir / "customer.json").read_text())
    if sample.get("id") == customer["magento_id"]:
        return map_record("customer", sample)
    return documents.customer(customer["magento_id"])


def _order_of(documents: Documents, document: dict) -> dict:
    """The order an invoice or credit memo belongs to (not in the folder): its rows and money, ordered once."""
    lines = [documents.line(row["order_item_id"], row["sku"], row["qty"], row["price"], **{
        **{field: row.get(field) for field in ("product_sku", "name", "row_total", "tax_amount", "discount_amount",
                                                "tax_percent", "price_incl_tax", "row_total_incl_tax",
                                                "discount_tax_compensation_amount", "components", "component_lines",
                                                "price_type")},
        "qty_ordered": row["qty"], "qty_canceled": 0}) for row in document["sold_lines"]]
    money = ("grand_total", "subtotal", "tax_amount", "shipping_amount", "discount_amount", "shipping", "currency",
             "gift_cards_amount", "customer_balance_amount", "reward_currency_amount")
    return documents.order(document["order_id"], lines=lines, state="processing",
                           customer=documents.guest("contract@example.com"),
                           **{field: document.get(field) for field in money if field in document})
