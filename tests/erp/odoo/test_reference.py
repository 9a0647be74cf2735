"""Reference look-ups: countries, states, currencies, pricelists, the stock location; cached when found."""

from __future__ import annotations

import pytest

from erp.odoo.reference import Reference


@pytest.fixture
def reference(odoo_rpc):
    return Reference(odoo_rpc)


def test_countries_and_states(odoo_sandbox, reference):
    us = reference.country_id("us")
    by_code = reference.state_id(us, "MI", "whatever")
    by_name = reference.state_id(us, None, "michigan")

    assert odoo_sandbox.execute("res.country", "read", [[us], ["code"]])[0]["code"] == "US"
    assert by_code == by_name and by_code
    assert reference.country_id("ZZ") is None and reference.country_id(None) is None
    assert reference.state_id(us, "ZZ", "Atlantis") is None


def test_currencies_include_inactive_ones_and_pricelists_follow_currency(odoo_sandbox, reference):
    usd, gbp = reference.currency_id("USD"), reference.currency_id("gbp")

    assert gbp and gbp != usd
    assert reference.pricelist_id(usd) is None  # a fresh database has no pricelist
    odoo_sandbox.execute("product.pricelist", "create", [{"name": "USD", "currency_id": usd}])
    assert reference.pricelist_id(usd) and reference.pricelist_id(gbp) is None


def test_stock_location_and_default_category(odoo_sandbox, reference):
    location = reference.stock_location_id()

    assert odoo_sandbox.execute("stock.location", "read", [[location], ["complete_name"]])[0]["complete_name"] == \
        "WH/Stock"
    assert reference.default_category_id() == 1


def test_found_records_are_cached_and_misses_asked_again(odoo_sandbox, reference):
    reference.country_id("FR")
    reference.country_id("FR")
    reference.country_id("ZZ")
    reference.country_id("ZZ")

    assert odoo_sandbox.calls()["res.country.search"] == 3
