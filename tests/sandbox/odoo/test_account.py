"""Journal entries: posting (numbering, checks), resetting, cancelling, and what cannot be deleted."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import UserError


@pytest.fixture
def invoice(env):
    partner = env["res.partner"].create({"name": "Client"})
    return env["account.move"].create({"move_type": "out_invoice", "partner_id": partner, "invoice_date": "2024-05-02",
                                       "invoice_line_ids": [(0, 0, {"name": "Work", "quantity": 2, "price_unit": 30,
                                                                    "tax_ids": [(6, 0, [])]})]})


def test_posting_numbers_the_invoice_and_answers_false(env, invoice):
    assert env["account.move"].action_post([invoice]) is False
    row = env["account.move"].read([invoice], ["name", "state", "amount_total", "journal_id", "currency_id"])[0]

    assert (row["name"], row["state"], row["amount_total"]) == ("INV/2024/00001", "posted", 60.0)
    assert row["journal_id"][1] == "Customer Invoices" and row["currency_id"][1] == "USD"
    with pytest.raises(UserError, match=r"must be in draft"):
        env["account.move"].action_post([invoice])


def test_credit_notes_have_their_own_sequence(env, invoice):
    refund = env["account.move"].create({"move_type": "out_refund", "partner_id": 1, "invoice_date": "2024-06-01",
                                         "invoice_line_ids": [(0, 0, {"name": "Back", "price_unit": 5})]})
    env["account.move"].action_post([refund])

    assert env["account.move"].read([refund], ["name"])[0]["name"] == "RINV/2024/00001"


@pytest.mark.parametrize(("values", "message"), [
    ({"partner_id": False}, "The field 'Customer' is required"),
    ({"invoice_line_ids": [(5, 0, 0)]}, "You need to add a line before posting."),
])
def test_posting_checks(env, invoice, values, message):
    env["account.move"].write([invoice], values)

    with pytest.raises(UserError, match=message):
        env["account.move"].action_post([invoice])


def test_cancelling_a_posted_entry_resets_it_first_and_posted_entries_are_never_deleted(env, invoice):
    env["account.move"].action_post([invoice])

    assert env["account.move"].button_cancel([invoice]) is None
    assert env["account.move"].read([invoice], ["state"])[0]["state"] == "cancel"
    with pytest.raises(UserError, match="You cannot delete an entry which has been posted once."):
        env["account.move"].unlink([invoice])


def test_items_of_a_posted_entry_cannot_be_deleted(env, invoice):
    env["account.move"].action_post([invoice])
    line = env["account.move"].read([invoice], ["invoice_line_ids"])[0]["invoice_line_ids"]

    with pytest.raises(UserError, match="You cannot delete an item linked to a posted entry."):
        env["account.move.line"].unlink(line)


def test_an_invoice_line_takes_its_label_price_and_taxes_from_its_product(env):
    product = env["product.product"].create({"name": "Stove", "default_code": "NW-STOVE", "list_price": 89.0})
    taxes = env["product.product"].read([product], ["taxes_id"])[0]["taxes_id"]
    move = env["account.move"].create({"move_type": "out_invoice",
                                       "invoice_line_ids": [(0, 0, {"product_id": product}),
                                                            (0, 0, {"product_id": product, "price_unit": 80.0})]})
    line_ids = env["account.move"].read([move], ["invoice_line_ids"])[0]["invoice_line_ids"]
    lines = env["account.move.line"].read(line_ids, ["name", "price_unit", "tax_ids"])

    assert [(line["name"], line["price_unit"]) for line in lines] == [("[NW-STOVE] Stove", 89.0),
                                                                     ("[NW-STOVE] Stove", 80.0)]
    assert taxes and all(line["tax_ids"] == taxes for line in lines)


def test_the_first_invoice_of_the_journal_is_numbered_at_creation_in_draft(env):
    """As a real Odoo 17 answers: the first invoice of INV is INV/2026/00001 while still a draft, the next draft
    stays "/" and gets INV/2026/00002 when posted; reset to draft and posted again, it keeps its number."""
    partner = env["res.partner"].create({"name": "Client"})

    def invoice() -> int:
        return env["account.move"].create({"move_type": "out_invoice", "partner_id": partner,
                                           "invoice_date": "2026-12-06",
                                           "invoice_line_ids": [(0, 0, {"name": "Work", "price_unit": 10})]})
    first, second = invoice(), invoice()
    names = {row["id"]: (row["name"], row["state"])
             for row in env["account.move"].read([first, second], ["name", "state"])}
    env["account.move"].button_cancel([first])
    env["account.move"].action_post([second])
    env["account.move"].button_draft([second])
    env["account.move"].action_post([second])

    assert names == {first: ("INV/2026/00001", "draft"), second: ("/", "draft")}
    assert env["account.move"].read([second], ["name"])[0]["name"] == "INV/2026/00002"
    with pytest.raises(UserError, match=rf"^The entry INV/2026/00002 \(id {second}\) must be in draft\.$"):
        env["account.move"].action_post([second])
