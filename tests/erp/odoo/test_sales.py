"""Orders as sale.order (lines bound, never duplicated, following Magento's state) and shipments."""

from __future__ import annotations

import pytest

from core.errors import ErpRejected


def _order(odoo_sandbox):
    rows = odoo_sandbox.records("sale.order", "name", "state", "client_order_ref", "partner_id", "partner_invoice_id",
                                "partner_shipping_id", "date_order", "amount_untaxed", "amount_total", "order_line",
                                "picking_ids", "pricelist_id")
    assert len(rows) == 1
    return rows[0]


def _lines(odoo_sandbox):
    return odoo_sandbox.records("sale.order.line", "name", "product_id", "product_uom_qty", "price_unit", "discount",
                                "tax_id", "sequence")


def test_an_order_is_created_with_its_lines_bound(odoo_sandbox, catalog_ready, documents):
    order = int(catalog_ready.upsert("order", "9001", documents.order()))

    row = _order(odoo_sandbox)
    assert (row["id"], row["state"], row["client_order_ref"]) == (order, "draft", "10009001")
    assert row["date_order"] == "2024-02-10 14:30:00"
    assert row["amount_untaxed"] == row["amount_total"] == 95.5  # no Odoo taxes on top of Magento's prices
    lines = _lines(odoo_sandbox)
    assert [(line["name"], line["product_uom_qty"], line["price_unit"], line["tax_id"]) for line in lines] == [
        ("[TR-1] Trail TR-1", 2.0, 34.0, []), ("[TR-2] Trail TR-2", 1.0, 20.0, []), ("Shipping", 1.0, 7.5, [])]
    bound = {r["name"] for r in odoo_sandbox.records("ir.model.data", "name", "model")
             if r["model"] == "sale.order.line"}
    assert bound == {"line_order_1", "line_order_2", "shipping_order_9001"}


def test_the_order_has_its_customer_and_its_own_address_contacts(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order())

    row = _order(odoo_sandbox)
    partners = {p["id"]: p for p in odoo_sandbox.records("res.partner", "type", "parent_id", "city")}
    customer = catalog_ready.writer.find("res.partner", "customer_501")
    assert row["partner_id"][0] == customer
    assert (partners[row["partner_invoice_id"][0]]["type"], partners[row["partner_invoice_id"][0]]["city"]) == (
        "invoice", "Bend")
    assert (partners[row["partner_shipping_id"][0]]["type"], partners[row["partner_shipping_id"][0]]["city"]) == (
        "delivery", "Salem")
    assert partners[row["partner_shipping_id"][0]]["parent_id"][0] == customer


def test_a_second_upsert_never_duplicates_the_order_or_its_lines(odoo_sandbox, catalog_ready, documents):
    first = catalog_ready.upsert("order", "9001", documents.order())
    changed = documents.order(lines=[documents.line(1, "TR-1", 3), documents.line(2, "TR-2", 1, 20.0)])
    second = catalog_ready.upsert("order", "9001", changed)
    catalog_ready.upsert("order", "9001", changed)

    assert first == second
    assert [line["product_uom_qty"] for line in _lines(odoo_sandbox)] == [3.0, 1.0, 1.0]
    assert len(odoo_sandbox.records("res.partner")) == 5  # customer, its 2 contacts, the order's 2 contacts


def test_a_processing_order_is_confirmed_keeping_magentos_date(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))

    row = _order(odoo_sandbox)
    assert (row["state"], row["date_order"]) == ("sale", "2024-02-10 14:30:00")
    assert len(row["picking_ids"]) == 1


def test_lines_gone_from_magento_are_removed_from_a_quotation(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order())
    catalog_ready.upsert("order", "9001", documents.order(lines=[documents.line(1, "TR-1", 2)], shipping_amount=0,
                                                          grand_total=68.0))

    assert [line["name"] for line in _lines(odoo_sandbox)] == ["[TR-1] Trail TR-1"]


def test_lines_gone_from_magento_are_zeroed_on_a_confirmed_order(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))
    catalog_ready.upsert("order", "9001", documents.order(state="processing", lines=[documents.line(1, "TR-1", 2)]))

    assert [(line["name"], line["product_uom_qty"]) for line in _lines(odoo_sandbox)] == [
        ("[TR-1] Trail TR-1", 2.0), ("[TR-2] Trail TR-2", 0.0), ("Shipping", 1.0)]


def test_a_new_line_is_added_and_bound(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))
    lines = [documents.line(1, "TR-1", 2), documents.line(2, "TR-2", 1, 20.0), documents.line(3, "TR-2", 4, 18.0)]
    catalog_ready.upsert("order", "9001", documents.order(state="processing", lines=lines))
    catalog_ready.upsert("order", "9001", documents.order(state="processing", lines=lines))

    assert [(line["product_uom_qty"], line["price_unit"]) for line in _lines(odoo_sandbox)] == [
        (2.0, 34.0), (1.0, 20.0), (1.0, 7.5), (4.0, 18.0)]


def test_a_canceled_order_is_cancelled_without_the_wizard(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))
    catalog_ready.upsert("order", "9001", documents.order(state="canceled"))

    assert _order(odoo_sandbox)["state"] == "cancel"


def test_an_order_cancelled_in_odoo_is_confirmed_again_when_magento_processes_it(odoo_sandbox, catalog_ready,
                                                                                 documents):
    catalog_ready.upsert("order", "9001", documents.order(state="canceled"))
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))

    assert _order(odoo_sandbox)["state"] == "sale"


def test_discounts_are_percentages(odoo_sandbox, catalog_ready, documents):
    lines = [documents.line(1, "TR-1", 2, 50.0, discount_amount=10.0)]
    catalog_ready.upsert("order", "9001", documents.order(lines=lines, shipping_amount=0, grand_total=90.0))

    assert _lines(odoo_sandbox)[0]["discount"] == 10.0
    assert _order(odoo_sandbox)["amount_untaxed"] == 90.0


def test_guest_orders_share_a_partner_per_email(odoo_sandbox, catalog_ready, documents):
    guest = documents.guest("Oli.Vance@example.org")
    catalog_ready.upsert("order", "9001", documents.order(customer=guest))
    catalog_ready.upsert("order", "9002", documents.order(9002, lines=[documents.line(11, "TR-1")],
                                                          customer={**guest, "email": "oli.vance@example.org"}))

    orders = odoo_sandbox.records("sale.order", "partner_id")
    assert orders[0]["partner_id"] == orders[1]["partner_id"]
    assert orders[0]["partner_id"][1] == "Oli Vance"
    assert catalog_ready.dependencies("order", documents.order(customer=guest)) == [("product", "TR-1"),
                                                                                    ("product", "TR-2")]


def test_an_unbound_odoo_order_with_the_increment_id_is_adopted(odoo_sandbox, catalog_ready, documents):
    existing = odoo_sandbox.execute("sale.order", "create", [{"partner_id": 1, "client_order_ref": "10009001"}])

    assert catalog_ready.upsert("order", "9001", documents.order()) == str(existing)
    assert len(_lines(odoo_sandbox)) == 3


def test_missing_products_or_customer_are_rejected_with_their_keys(backend, documents):
    backend.upsert("customer", "501", documents.customer())
    with pytest.raises(ErpRejected, match="products not in Odoo: TR-1, TR-2"):
        backend.upsert("order", "9001", documents.order())
    with pytest.raises(ErpRejected, match="customer 777 is not in Odoo"):
        backend.upsert("order", "9001", documents.order(customer={**documents.order()["customer"], "magento_id": 777}))


def test_an_order_deleted_in_odoo_is_created_again_with_its_lines(odoo_sandbox, catalog_ready, documents):
    first = catalog_ready.upsert("order", "9001", documents.order())
    odoo_sandbox.execute("sale.order", "unlink", [[int(first)]])

    second = catalog_ready.upsert("order", "9001", documents.order())
    catalog_ready.upsert("order", "9001", documents.order())
    assert second != first
    assert len(_lines(odoo_sandbox)) == 3


def test_deleting_an_order_cancels_it(odoo_sandbox, catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))
    catalog_ready.delete("order", "9001")
    catalog_ready.delete("order", "404")

    assert _order(odoo_sandbox)["state"] == "cancel"
