"""Currencies and pricelists as in a fresh Odoo 17: USD alone active, no pricelist, EUR refused at posting."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import UserError
from sandbox.odoo.orm import Database, Env
from sandbox.odoo.seed import seed


def _code_id(env, code):
    return env.with_context(active_test=False)["res.currency"].search([("name", "=", code)])[0]


def test_only_the_company_currency_is_active_and_there_is_no_pricelist(env):
    assert env["res.currency"].search_read([], ["name"]) == [{"id": _code_id(env, "USD"), "name": "USD"}]
    everything = env["res.currency"].search_read([("active", "in", [True, False])], ["name", "active"])
    assert {row["name"]: row["active"] for row in everything}["EUR"] is False
    assert env.with_context(active_test=False)["product.pricelist"].search([]) == []


def test_an_order_without_pricelist_is_in_the_company_currency(env):
    partner = env["res.partner"].create({"name": "Buyer"})
    order = env["sale.order"].create({"partner_id": partner})
    assert env["sale.order"].read([order], ["pricelist_id", "currency_id"])[0]["currency_id"][1] == "USD"


def test_activating_a_second_currency_creates_the_default_pricelist(env):
    env["res.currency"].write([_code_id(env, "EUR")], {"active": True})
    pricelists = env["product.pricelist"].search_read([], ["name", "currency_id"])
    assert [(p["name"], p["currency_id"][1]) for p in pricelists] == [("Default USD pricelist", "USD")]

    env["res.currency"].write([_code_id(env, "USD")], {"active": False})
    assert env["product.pricelist"].search([]) == []


def test_an_order_takes_the_currency_of_its_pricelist(env):
    euro = env["product.pricelist"].create({"name": "EUR", "currency_id": _code_id(env, "EUR")})
    partner = env["res.partner"].create({"name": "Buyer"})
    order = env["sale.order"].create({"partner_id": partner, "pricelist_id": euro})
    assert env["sale.order"].read([order], ["currency_id"])[0]["currency_id"][1] == "EUR"


def test_posting_in_an_inactive_currency_is_refused_with_odoos_text(env):
    partner = env["res.partner"].create({"name": "Buyer"})
    move = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner,
                                       "currency_id": _code_id(env, "EUR"),
                                       "invoice_line_ids": [(0, 0, {"name": "Work", "price_unit": 10})]})
    with pytest.raises(UserError, match="^You cannot validate a document with an inactive currency: EUR$"):
        env["account.move"].action_post([move])
    assert env["account.move"].read([move], ["state"])[0]["state"] == "draft"

    env["res.currency"].write([_code_id(env, "EUR")], {"active": True})
    assert env["account.move"].action_post([move]) is False


def test_a_seed_can_activate_currencies_for_tests_about_something_else():
    database = Database()
    seed(database, active_currencies=("EUR",))
    env = Env(database)
    assert sorted(row["name"] for row in env["res.currency"].search_read([], ["name"])) == ["EUR", "USD"]
    assert env["product.pricelist"].search_count([]) == 1


def test_amounts_round_to_the_documents_currency(env):
    partner = env["res.partner"].create({"name": "Buyer"})
    move = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner,
                                       "currency_id": _code_id(env, "JPY"), "invoice_line_ids": [
                                           (0, 0, {"name": "Tea", "price_unit": 333.33, "quantity": 1,
                                                   "tax_ids": [(6, 0, [env.ref("account.1_sale_tax_template")])]})]})
    row = env["account.move"].read([move], ["amount_untaxed", "amount_tax", "amount_total"])[0]
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (333.0, 50.0, 383.0)
    assert env["res.currency"].with_context(active_test=False).read([_code_id(env, "JPY")], ["decimal_places"])[0][
        "decimal_places"] == 0
