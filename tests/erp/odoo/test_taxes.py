"""The Odoo sale tax of a Magento rate: ODOO_TAX_MAP, else by rate and price-included flag."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from core.errors import ErpRejected
from erp.odoo.amounts import Tax
from erp.odoo.taxes import Taxes, choose, rate_key
from erp.odoo.version import Server


@pytest.mark.parametrize(("rate", "key"), [("8.25", "8.25"), ("19.0000", "19"), ("7.5", "7.5"), ("0", "0")])
def test_rate_keys_as_the_map_writes_them(rate, key):
    assert rate_key(D(rate)) == key


def test_choose_matches_rate_type_and_flag():
    taxes = [Tax(1, D("8.25"), "fixed"), Tax(2, D("8.25"), price_include=True), Tax(3, D("8.25")), Tax(4, D("8.25"))]

    assert choose(taxes, D("8.25"), False).id == 3
    assert choose(taxes, D("8.250"), True).id == 2
    assert choose(taxes, D("8.2"), False) is None


def _tax(odoo_sandbox, name, rate, include=False, use="sale"):
    return odoo_sandbox.execute("account.tax", "create", [{"name": name, "amount": rate, "type_tax_use": use,
                                                           "amount_type": "percent", "price_include": include}])


@pytest.fixture
def taxes(odoo_rpc):
    return Taxes(odoo_rpc, Server(odoo_rpc))


def test_a_sale_tax_is_found_by_rate_and_flag(odoo_sandbox, taxes):
    _tax(odoo_sandbox, "19% purchase", 19, use="purchase")
    excluded = _tax(odoo_sandbox, "19%", 19)
    included = _tax(odoo_sandbox, "19% incl.", 19, include=True)

    assert taxes.lookup(D("19"), False) == Tax(excluded, D("19"), "percent", False, "19%")
    assert taxes.lookup(D("19"), True).id == included


def test_a_tax_created_after_the_first_look_up_is_found(odoo_sandbox, taxes):
    with pytest.raises(ErpRejected, match=r"Odoo has no sale tax of 8\.25% \(price excluded\).*ODOO_TAX_MAP"):
        taxes.lookup(D("8.25"), False)
    created = _tax(odoo_sandbox, "8.25%", 8.25)

    assert taxes.lookup(D("8.25"), False).id == created


def test_the_map_wins_by_code_then_by_rate(odoo_sandbox, odoo_rpc):
    by_code, by_rate = _tax(odoo_sandbox, "CA", 8.25), _tax(odoo_sandbox, "Other", 8.25)
    taxes = Taxes(odoo_rpc, Server(odoo_rpc), {"US-CA-*-Rate 1": by_code, "8.25": by_rate, "7": 999})

    assert taxes.lookup(D("8.25"), False, ("us-ca-*-rate 1",)).id == by_code
    assert taxes.lookup(D("8.2500"), False, ("US-NY",)).id == by_rate
    with pytest.raises(ErpRejected, match="ODOO_TAX_MAP maps '7' to account.tax 999, which Odoo does not have"):
        taxes.lookup(D("7"), False)
