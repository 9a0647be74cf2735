"""Invoices and credit memos as account.move, linked to the order's lines, posted or cancelled."""

from __future__ import annotations


def _moves(odoo_sandbox):
    return odoo_sandbox.records("account.move", "name", "move_type", "state", "partner_id", "ref", "invoice_origin",
                                "invoice_date", "amount_untaxed", "amount_total", "invoice_line_ids")


def _order_ready(backend, documents):
    backend.upsert("order", "9001", documents.order(state="processing"))


def test_an_invoice_becomes_a_posted_out_invoice_linked_to_the_order(odoo_sandbox, catalog_ready, documents):
    _order_ready(catalog_ready, documents)
    move = int(catalog_ready.upsert("invoice", "61", documents.invoice()))

    row = _moves(odoo_sandbox)[0]
    assert (row["id"], row["move_type"], row["state"], row["name"]) == (move, "out_invoice", "posted",
                                                                        "INV/2024/00001")
    assert (row["ref"], row["invoice_origin"], row["invoice_date"]) == ("200061", "S00001", "2024-02-11")
    assert row["amount_total"] == 95.5
    assert row["partner_id"][1] == "Lena Marsh, Lena Marsh"  # the order's invoice contact
    invoiced = [line["qty_invoiced"] for line in odoo_sandbox.records("sale.order.line", "qty_invoiced")]
    assert invoiced == [2.0, 1.0, 1.0]


def test_a_second_upsert_never_duplicates_a_posted_invoice(odoo_sandbox, catalog_ready, documents):
    _order_ready(catalog_ready, documents)
    first = catalog_ready.upsert("invoice", "61", documents.invoice())
    lines = _moves(odoo_sandbox)[0]["invoice_line_ids"]

    assert catalog_ready.upsert("invoice", "61", documents.invoice(grand_total=1)) == first
    assert len(_moves(odoo_sandbox)) == 1
    assert _moves(odoo_sandbox)[0]["invoice_line_ids"] == lines  # a posted entry is never rewritten


def test_a_credit_memo_becomes_an_out_refund_with_its_adjustments(odoo_sandbox, catalog_ready, documents):
    _order_ready(catalog_ready, documents)
    catalog_ready.upsert("invoice", "61", documents.invoice())
    first = catalog_ready.upsert("creditmemo", "71", documents.creditmemo())
    assert catalog_ready.upsert("creditmemo", "71", documents.creditmemo()) == first

    refund = [row for row in _moves(odoo_sandbox) if row["move_type"] == "out_refund"][0]
    assert (refund["state"], refund["name"], refund["amount_total"]) == ("posted", "RINV/2024/00001", 18.0)
    labels = [line["name"] for line in odoo_sandbox.records("account.move.line", "name", "move_id")
              if line["move_id"][0] == refund["id"]]
    assert labels == ["[TR-2] Trail TR-2", "Adjustment refund", "Adjustment fee"]
    assert odoo_sandbox.records("sale.order.line", "qty_invoiced")[1]["qty_invoiced"] == 0.0
    assert catalog_ready.count("creditmemo") == 1 and catalog_ready.count("invoice") == 1


def test_a_canceled_invoice_is_cancelled(odoo_sandbox, catalog_ready, documents):
    _order_ready(catalog_ready, documents)
    catalog_ready.upsert("invoice", "61", documents.invoice())
    catalog_ready.upsert("invoice", "61", documents.invoice(state=3))

    assert _moves(odoo_sandbox)[0]["state"] == "cancel"


def test_a_draft_move_left_behind_is_adopted_rewritten_and_posted(odoo_sandbox, catalog_ready, documents):
    _order_ready(catalog_ready, documents)
    draft = odoo_sandbox.execute("account.move", "create", [{
        "move_type": "out_invoice", "partner_id": 1, "ref": "200061", "invoice_origin": "S00001",
        "invoice_line_ids": [(0, 0, {"name": "stale", "price_unit": 1})]}])

    assert catalog_ready.upsert("invoice", "61", documents.invoice()) == str(draft)
    row = _moves(odoo_sandbox)[0]
    assert (row["state"], row["amount_total"], len(row["invoice_line_ids"])) == ("posted", 95.5, 3)


def test_deleting_a_move_cancels_it(odoo_sandbox, catalog_ready, documents):
    _order_ready(catalog_ready, documents)
    catalog_ready.upsert("invoice", "61", documents.invoice())
    catalog_ready.delete("invoice", "61")
    catalog_ready.delete("creditmemo", "404")

    assert _moves(odoo_sandbox)[0]["state"] == "cancel"
