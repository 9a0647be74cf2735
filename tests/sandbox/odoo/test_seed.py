"""The fresh database the sandbox starts with, compared with what a real Odoo 17 (sale_management, stock,
account, no demo, measured 2026-12-06) holds: ids a client could hard-code, the company and its taxes."""

from __future__ import annotations


def test_common_currencies_have_the_ids_of_a_real_odoo(env):
    """As a real Odoo 17 answers: only USD (id 1) active, the others inactive with these ids."""
    currencies = env["res.currency"].with_context(active_test=False)
    rows = currencies.search_read([], ["name", "active"], order="id")
    active = env["res.currency"].search_read([], ["name", "active"])

    assert {row["name"]: row["id"] for row in rows} == {
        "USD": 1, "CAD": 3, "CHF": 4, "AUD": 21, "JPY": 25, "EUR": 125, "GBP": 143}
    assert active == [{"id": 1, "name": "USD", "active": True}]


def test_the_company_is_american_with_the_generic_chart(env):
    """As a real Odoo 17 answers ``read`` of res.company 1."""
    company = env["res.company"].read([1], ["name", "currency_id", "country_id", "account_fiscal_country_id",
                                            "tax_calculation_rounding_method", "account_sale_tax_id",
                                            "chart_template"])

    assert company == [{"id": 1, "name": "My Company", "currency_id": [1, "USD"],
                        "country_id": [233, "United States"], "account_fiscal_country_id": [233, "United States"],
                        "tax_calculation_rounding_method": "round_per_line", "account_sale_tax_id": [1, "15%"],
                        "chart_template": "generic_coa"}]


def test_the_charts_taxes_have_their_group_and_country(env):
    """As a real Odoo 17 answers ``search_read`` of account.tax; a new tax takes the same group and country."""
    fields = ["name", "amount", "type_tax_use", "price_include", "sequence", "tax_group_id", "country_id"]
    taxes = env["account.tax"].search_read([], fields)
    new = env["account.tax"].create({"name": "T8.25", "amount": 8.25})

    assert taxes == [
        {"id": 1, "name": "15%", "amount": 15.0, "type_tax_use": "sale", "price_include": False, "sequence": 1,
         "tax_group_id": [1, "Tax 15%"], "country_id": [233, "United States"]},
        {"id": 2, "name": "15%", "amount": 15.0, "type_tax_use": "purchase", "price_include": False, "sequence": 1,
         "tax_group_id": [1, "Tax 15%"], "country_id": [233, "United States"]}]
    assert env["account.tax"].read([new], ["tax_group_id", "country_id"])[0]["country_id"] == [233, "United States"]


def test_journals_units_and_locations_have_the_ids_of_a_real_odoo(env):
    """As a real Odoo 17 answers: its eight journals, kg as unit 12, WH/Stock 8, the inventory adjustment 14."""
    journals = env["account.journal"].search_read([], ["code", "type"])
    units = {row["name"]: row["id"] for row in env["uom.uom"].search_read([], ["name"])}
    locations = env["stock.location"].read([8, 14], ["complete_name", "usage"])

    assert {row["code"]: (row["id"], row["type"]) for row in journals} == {
        "INV": (1, "sale"), "BILL": (2, "purchase"), "MISC": (3, "general"), "EXCH": (4, "general"),
        "CABA": (5, "general"), "BNK1": (6, "bank"), "CSH1": (7, "cash"), "STJ": (8, "general")}
    assert units == {"Units": 1, "Dozens": 2, "Hours": 4, "kg": 12}
    assert [(row["complete_name"], row["usage"]) for row in locations] == [
        ("WH/Stock", "internal"), ("Virtual Locations/Inventory adjustment", "inventory")]


def test_records_created_later_take_ids_after_the_seeded_ones(env):
    currency = env["res.currency"].create({"name": "XTS", "symbol": "X"})
    unit = env["uom.uom"].create({"name": "Box"})

    assert (currency, unit) == (144, 13)
