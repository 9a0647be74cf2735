"""Service products of the lines that are not catalogue products, created once with the version's fields."""

from __future__ import annotations

import pytest

from erp.odoo.bindings import Bindings, Writer
from erp.odoo.services import Services, names_from_settings
from erp.odoo.version import Server


def _services(odoo_rpc, names=None):
    writer = Writer(odoo_rpc, Bindings(odoo_rpc, "magento"))
    return Services(odoo_rpc, writer, Server(odoo_rpc), names)


@pytest.mark.parametrize(("odoo_sandbox", "type_fields"), [({"version": 17}, {"detailed_type": "service"}),
                                                           ({"version": 18}, {"type": "service"})],
                         indirect=["odoo_sandbox"])
def test_each_service_product_is_created_once_untaxed(odoo_sandbox, odoo_rpc, type_fields):
    services = _services(odoo_rpc, {"gift_card": "Carte cadeau"})

    gift = services.product("gift_card")
    assert _services(odoo_rpc).product("gift_card") == gift  # another process finds it by its binding
    assert services.product("rounding") != gift

    field = next(iter(type_fields))
    templates = odoo_sandbox.records("product.template", "name", "taxes_id", field)
    assert [(row["name"], row["taxes_id"], row[field]) for row in templates] == [
        ("Carte cadeau", [], type_fields[field]), ("Rounding (Magento)", [], type_fields[field])]


def test_names_come_from_the_settings(make_settings):
    names = names_from_settings(make_settings(ODOO_STORE_CREDIT_PRODUCT="Avoir"))

    assert names["store_credit"] == "Avoir" and names["gift_card"] == "Gift card (Magento)"
