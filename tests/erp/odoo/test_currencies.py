"""A document's currency: active in Odoo or refused before any write; pricelists found or created."""

from __future__ import annotations

import pytest

from core.errors import ErpRejected
from erp.odoo.currencies import Currencies

EUR_ACTIVE = pytest.mark.parametrize("odoo_sandbox", [{"currencies": ("EUR",)}], indirect=True)


@pytest.fixture
def currencies(backend):
    return backend.sales.currencies


def test_the_company_currency_is_active_and_needs_no_pricelist(currencies):
    usd = currencies.active("usd")

    assert usd.company and usd.code == "USD" and currencies.active(None) == currencies.active("") != usd
    assert currencies.pricelist(usd) is None  # a fresh Odoo has none; orders then use the company's


@pytest.mark.parametrize(("code", "message"), [("EUR", "currency EUR is not active in Odoo: activate it"),
                                               ("XYZ", "currency XYZ does not exist in Odoo: create it")])
def test_inactive_or_unknown_currencies_are_refused_saying_what_to_do(currencies, code, message):
    with pytest.raises(ErpRejected, match=message) as error:
        currencies.active(code)
    assert error.value.details == {"currency": code}


@EUR_ACTIVE
def test_a_pricelist_is_created_once_per_foreign_currency(odoo_sandbox, backend, odoo_rpc):
    first = backend.sales.currencies.pricelist(backend.sales.currencies.active("EUR"))
    other_process = Currencies(odoo_rpc, backend.writer)

    assert other_process.pricelist(other_process.active("EUR")) == first
    eur = [row for row in odoo_sandbox.records("product.pricelist", "name", "currency_id")
           if row["currency_id"][1] == "EUR"]
    assert [(row["id"], row["name"]) for row in eur] == [(first, "Magento EUR")]


@EUR_ACTIVE
def test_without_creation_a_missing_pricelist_is_refused(odoo_rpc, backend):
    currencies = Currencies(odoo_rpc, backend.writer, create_pricelists=False)

    with pytest.raises(ErpRejected, match="Odoo has no pricelist in EUR: create one"):
        currencies.pricelist(currencies.active("EUR"))
