"""End to end with Odoo for customers and stock: RabbitMQ, the Magento sandbox, the pipeline, the Odoo sandbox.

A B2B customer with a VAT number becomes a company partner with its person and every address; a stock item
Magento does not manage never sets Odoo's quantity; a decimal quantity arrives exactly.
"""

from __future__ import annotations

from core.settings import Settings
from magento.client import MagentoClient
from tests.consumers.e2e import MAGENTO_TOKEN, notes_for, publish
from tests.consumers.test_end_to_end_odoo import bridge, magento, odoo, odoo_rows  # noqa: F401 (fixtures)


def _magento(url: str) -> MagentoClient:
    return MagentoClient(Settings.from_env({}, {"MAGENTO_BASE_URL": url, "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN}))


def test_a_b2b_customer_with_a_vat_number_becomes_a_company_with_its_person(bridge, magento, odoo):  # noqa: F811
    settings, reports, _runner = bridge
    notes = notes_for("customer", ["2"])
    publish(settings.amqp_url, notes)
    assert reports.wait_final(notes)[notes[0].id]["status"] == "synced"

    partners = odoo_rows(odoo.url, "res.partner", [], ["name", "is_company", "vat", "parent_id", "type", "email"])
    [company] = [row for row in partners if row["is_company"]]
    [person] = [row for row in partners if row["email"] == "inkoop@visserbouw.example" and row["type"] == "contact"]
    assert (company["name"], company["vat"]) == ("Visser Bouw B.V.", "NL123456789B01")
    assert person["parent_id"][0] == company["id"]
    assert [row["type"] for row in partners if row["parent_id"] and row["parent_id"][0] == person["id"]] == ["invoice"]


def test_an_unmanaged_stock_item_never_sets_the_odoo_quantity(bridge, magento, odoo):  # noqa: F811
    settings, reports, _runner = bridge
    client = _magento(magento.url)
    item = client.get_stock_item("NW-MUG-350")
    client.update_stock_item("NW-MUG-350", item["item_id"], {"qty": 12.5, "is_qty_decimal": True})
    first = notes_for("stock", ["NW-MUG-350"])
    publish(settings.amqp_url, first)
    assert reports.wait_final(first)[first[0].id]["status"] == "synced"
    [variant] = odoo_rows(odoo.url, "product.product", [("default_code", "=", "NW-MUG-350")], ["qty_available"])
    assert variant["qty_available"] == 12.5

    client.update_stock_item("NW-MUG-350", item["item_id"], {"qty": 0, "manage_stock": False,
                                                              "use_config_manage_stock": False})
    second = notes_for("stock", ["NW-MUG-350"])
    publish(settings.amqp_url, second)
    final = reports.wait_final(second)[second[0].id]
    assert final["status"] == "synced" and "manage_stock false" in final["detail"]
    [variant] = odoo_rows(odoo.url, "product.product", [("default_code", "=", "NW-MUG-350")], ["qty_available"])
    assert variant["qty_available"] == 12.5
    client.close()
