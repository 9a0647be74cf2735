"""Orders, invoices and credit memos reach Odoo with Magento's totals (taxes, currencies, extras), or are
refused before anything is written."""

from __future__ import annotations

import pytest

from core.errors import ErpRejected
from erp.odoo.backend import OdooBackend

ODOO_18 = pytest.mark.parametrize("odoo_sandbox", [{"version": 18}], indirect=True)
EUR_ACTIVE = pytest.mark.parametrize("odoo_sandbox", [{"currencies": ("EUR",)}], indirect=True)


def _tax(odoo_sandbox, rate, include=False, name=None):
    return odoo_sandbox.execute("account.tax", "create", [{
        "name": name or f"{rate}%{' incl.' if include else ''}", "amount": rate, "amount_type": "percent",
        "type_tax_use": "sale", "price_include": include}])


def _taxed(documents, item, sku, qty, price, rate, **over):
    tax = round(qty * price * rate / 100 + 1e-9, 2)
    return documents.line(item, sku, qty, price, tax_percent=rate, tax_amount=tax, qty_ordered=qty, qty_canceled=0,
                          **over)


def _sample_order(documents, grand_total=396.87, **over):
    """Magento's order.json: two rows at 8.25 %, shipping 5 untaxed, grand total 396.87."""
    lines = [_taxed(documents, 16, "TR-1", 2, 69.0, 8.25), _taxed(documents, 18, "TR-2", 1, 224.0, 8.25)]
    return documents.order(lines=lines, shipping_amount=5.0, grand_total=grand_total, **over)


def _order(odoo_sandbox):
    rows = odoo_sandbox.records("sale.order", "amount_untaxed", "amount_tax", "amount_total", "currency_id",
                                "pricelist_id", "state")
    return rows


def test_the_sample_order_gets_its_taxes_and_magentos_total(odoo_sandbox, catalog_ready, documents):
    tax = _tax(odoo_sandbox, 8.25)

    catalog_ready.upsert("order", "9001", _sample_order(documents, state="processing"))

    [order] = _order(odoo_sandbox)
    assert (order["amount_untaxed"], order["amount_tax"], order["amount_total"]) == (367.0, 29.87, 396.87)
    lines = odoo_sandbox.records("sale.order.line", "tax_id", "price_unit")
    assert [line["tax_id"] for line in lines] == [[tax], [tax], []]


def test_a_rate_without_an_odoo_tax_is_refused_naming_it_and_nothing_is_written(odoo_sandbox, catalog_ready,
                                                                                documents):
    with pytest.raises(ErpRejected, match=r"Odoo has no sale tax of 8\.25% \(price excluded\)"):
        catalog_ready.upsert("order", "9001", _sample_order(documents))

    assert _order(odoo_sandbox) == []


def test_totals_that_cannot_match_are_refused_with_both_figures(odoo_sandbox, catalog_ready, documents):
    _tax(odoo_sandbox, 8.25)

    with pytest.raises(ErpRejected, match=r"totals differ: Magento 400\.00, Odoo would get 396\.87"):
        catalog_ready.upsert("order", "9001", _sample_order(documents, grand_total=400.0))
    assert _order(odoo_sandbox) == []


def test_odoo_tax_map_picks_the_tax_of_a_magento_code(odoo_sandbox, odoo_rpc, documents):
    _tax(odoo_sandbox, 8.25)
    chosen = _tax(odoo_sandbox, 8.25, name="CA 8.25%")
    backend = OdooBackend(odoo_rpc, tax_map={"US-CA-*-Rate 1": chosen})
    _catalog(backend, documents)
    order = _sample_order(documents)
    for line in order["lines"]:
        line["applied_taxes"] = [{"code": "US-CA-*-Rate 1", "title": "CA", "percent": 8.25, "amount": 1}]

    backend.upsert("order", "9001", order)

    assert {tuple(line["tax_id"]) for line in odoo_sandbox.records("sale.order.line", "tax_id")} == {(chosen,), ()}


def _catalog(backend, documents):
    backend.upsert("customer", "501", documents.customer())
    for sku in ("TR-1", "TR-2"):
        backend.upsert("product", sku, documents.product(sku))


@ODOO_18
def test_odoo_18_gets_its_own_field_names(odoo_sandbox, odoo_rpc, documents):
    tax = _tax(odoo_sandbox, 8.25)
    backend = OdooBackend(odoo_rpc)
    backend.upsert("customer", "501", documents.customer())
    for sku in ("TR-1", "TR-2"):  # the catalogue's own 18 support is another module's; products made here
        template = odoo_sandbox.execute("product.template", "create", [{"name": sku, "default_code": sku,
                                                                        "type": "consu", "is_storable": True}])
        variant = odoo_sandbox.execute("product.template", "read", [[template]], {"fields": ["product_variant_id"]})
        odoo_sandbox.execute("ir.model.data", "create", [{"module": "magento", "name": f"variant_{sku.lower()}",
                                                          "model": "product.product",
                                                          "res_id": variant[0]["product_variant_id"][0]}])

    backend.upsert("order", "9001", _sample_order(documents, gift_cards_amount=6.87, grand_total=390.0))

    taxes_field = backend.server.dialect.sale_line_taxes  # 18.0 still names it tax_id; later 18.x tax_ids
    assert (backend.server.dialect.major, taxes_field) == (18, "tax_id")
    assert [line[taxes_field] for line in odoo_sandbox.records("sale.order.line", taxes_field)][:2] == [[tax], [tax]]
    assert {row["type"] for row in odoo_sandbox.records("product.template", "type")} == {"consu", "service"}
    assert _order(odoo_sandbox)[0]["amount_total"] == 390.0


def test_a_currency_not_active_in_odoo_is_refused_before_anything_is_created(odoo_sandbox, catalog_ready,
                                                                             documents):
    with pytest.raises(ErpRejected, match="currency EUR is not active in Odoo: activate it"):
        catalog_ready.upsert("order", "9001", documents.order(currency="EUR"))
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))
    with pytest.raises(ErpRejected, match="currency EUR is not active"):
        catalog_ready.upsert("invoice", "61", documents.invoice(currency="EUR"))

    assert len(_order(odoo_sandbox)) == 1 and odoo_sandbox.records("account.move", "state") == []


@EUR_ACTIVE
def test_an_order_in_eur_goes_through_a_pricelist_in_eur(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(currency="EUR", base_currency="USD", base_to_order_rate=0.9))
    catalog_ready.upsert("order", "9002", documents.order(9002, currency="EUR"))

    orders = _order(odoo_sandbox)
    assert {order["currency_id"][1] for order in orders} == {"EUR"}
    pricelists = [row for row in odoo_sandbox.records("product.pricelist", "currency_id") if
                  row["currency_id"][1] == "EUR"]
    assert len(pricelists) == 1 and {order["pricelist_id"][0] for order in orders} == {pricelists[0]["id"]}


@EUR_ACTIVE
def test_without_pricelist_creation_an_order_in_a_currency_without_one_is_refused(odoo_sandbox, odoo_rpc, documents):
    backend = OdooBackend(odoo_rpc, create_pricelists=False)
    _catalog(backend, documents)

    with pytest.raises(ErpRejected, match="Odoo has no pricelist in EUR: create one .* ODOO_CREATE_PRICELISTS=true"):
        backend.upsert("order", "9001", documents.order(currency="EUR"))
    backend.upsert("order", "9002", documents.order(9002))  # the company's currency needs none


def test_tax_included_prices_use_a_price_included_tax(odoo_sandbox, catalog_ready, documents):
    tax = _tax(odoo_sandbox, 19, include=True)
    line = documents.line(1, "TR-1", 2, 119.0, row_total=200.0, price_incl_tax=119.0, row_total_incl_tax=238.0,
                          tax_amount=38.0, tax_percent=19, discount_amount=0)
    catalog_ready.upsert("order", "9001", documents.order(lines=[line], shipping_amount=0, grand_total=238.0))

    [order] = _order(odoo_sandbox)
    assert (order["amount_untaxed"], order["amount_tax"], order["amount_total"]) == (200.0, 38.0, 238.0)
    assert odoo_sandbox.records("sale.order.line", "tax_id")[0]["tax_id"] == [tax]


def test_a_partially_canceled_line_orders_what_is_left(odoo_sandbox, catalog_ready, documents):
    line = documents.line(1, "TR-1", 4, 10.0, qty_ordered=4, qty_canceled=1)
    catalog_ready.upsert("order", "9001", documents.order(lines=[line], shipping_amount=0, grand_total=40.0))

    assert odoo_sandbox.records("sale.order.line", "product_uom_qty")[0]["product_uom_qty"] == 3.0
    assert _order(odoo_sandbox)[0]["amount_total"] == 30.0


def test_an_invoice_of_a_configurable_is_one_line_of_one_unit_with_its_tax(odoo_sandbox, catalog_ready, documents):
    _tax(odoo_sandbox, 8.25)
    catalog_ready.upsert("order", "9001", _sample_order(documents, state="processing"))
    sold = [{**_taxed(documents, 0, "TR-1", 1, 69.0, 8.25), "order_item_id": 16}]
    invoice = documents.invoice(grand_total=74.69 + 5, shipping_amount=5.0, sold_lines=sold, lines=[
        {"order_item_id": 16, "sku": "TR-1", "qty": 1, "price": 69.0, "row_total": 69.0},
        {"order_item_id": 17, "sku": "TR-1", "qty": 1, "price": 0.0, "row_total": 0.0}])

    catalog_ready.upsert("invoice", "61", invoice)

    [move] = odoo_sandbox.records("account.move", "amount_total", "amount_tax", "state")
    assert (move["amount_total"], move["amount_tax"], move["state"]) == (79.69, 5.69, "posted")
    assert [line["qty_invoiced"] for line in odoo_sandbox.records("sale.order.line", "qty_invoiced")] == [1.0, 0.0, 1.0]


def test_a_credit_memo_to_store_credit_says_so(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))
    memo = documents.creditmemo(refund_to_store_credit=True, customer_balance_refunded=18.0)

    catalog_ready.upsert("creditmemo", "71", memo)

    [refund] = odoo_sandbox.records("account.move", "amount_total", "narration")
    assert refund["amount_total"] == 18.0 and "Refunded to store credit in Magento: 18.0" in refund["narration"]


def test_gift_cards_and_store_credit_are_service_lines(odoo_sandbox, catalog_ready, documents):
    order = documents.order(grand_total=95.5 - 20 - 10, gift_cards_amount=20, customer_balance_amount=10,
                            gift_cards=[{"code": "GC-7", "amount": 20, "base_amount": 20}])

    catalog_ready.upsert("order", "9001", order)
    catalog_ready.upsert("order", "9001", order)

    assert _order(odoo_sandbox)[0]["amount_total"] == 65.5
    names = [line["name"] for line in odoo_sandbox.records("sale.order.line", "name")]
    assert names[-2:] == ["Gift card GC-7", "Store credit"] and len(names) == 5
    products = {row["name"] for row in odoo_sandbox.records("product.template", "name")}
    assert {"Gift card (Magento)", "Store credit (Magento)"} <= products


def test_an_invoice_whose_totals_cannot_match_leaves_nothing_behind(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))

    with pytest.raises(ErpRejected, match=r"invoice 200061: totals differ: Magento 99\.50, Odoo would get 95\.50"):
        catalog_ready.upsert("invoice", "61", documents.invoice(grand_total=99.5))
    assert odoo_sandbox.records("account.move", "state") == []


def test_a_discount_line_is_written_and_invoiced_with_its_order_line(odoo_sandbox, catalog_ready, documents):
    _tax(odoo_sandbox, 10)
    item = {**_taxed(documents, 1, "TR-1", 1000, 0.99, 10, discount_amount=0.37), "tax_amount": 98.96}
    catalog_ready.upsert("order", "9001", documents.order(lines=[item], shipping_amount=0, grand_total=1088.59,
                                                          state="processing"))
    sold = [{**item, "order_item_id": 1}]
    catalog_ready.upsert("invoice", "61", documents.invoice(grand_total=1088.59, shipping_amount=0, sold_lines=sold))

    assert _order(odoo_sandbox)[0]["amount_total"] == 1088.59
    assert odoo_sandbox.records("account.move", "amount_total")[0]["amount_total"] == 1088.59
    lines = odoo_sandbox.records("sale.order.line", "name", "price_unit", "qty_invoiced")
    assert [(line["name"], line["price_unit"], line["qty_invoiced"]) for line in lines] == [
        ("[TR-1] Trail TR-1", 0.99, 1000.0), ("Discount on TR-1", -0.37, 1.0)]
