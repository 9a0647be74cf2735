"""The Odoo version the sandbox serves: ``common.version`` and the field names that differ (17 and 18)."""

from __future__ import annotations

import pytest

from sandbox.odoo.orm import Database, Env
from sandbox.odoo.seed import seed


@pytest.fixture
def env18() -> Env:
    database = Database(version=18)
    seed(database)
    return Env(database)


@pytest.mark.parametrize("version", [17, 18])
def test_version_answers_the_server_version_info(serve, version):
    odoo = serve(version=version)
    result = odoo.call("common", "version")["result"]
    assert result["server_version_info"] == [version, 0, 0, "final", 0, ""]
    assert result["server_version"] == result["server_serie"] == f"{version}.0"


def test_odoo_18_products_have_type_and_is_storable_not_detailed_type(env18):
    template = env18["product.template"].create({"name": "Box", "type": "consu", "is_storable": True})
    row = env18["product.product"].search_read([("product_tmpl_id", "=", template)], ["type", "is_storable"])[0]
    assert (row["type"], row["is_storable"]) == ("consu", True)
    with pytest.raises(ValueError, match="Invalid field 'detailed_type' on model 'product.template'"):
        env18["product.template"].create({"name": "Old", "detailed_type": "product"})
    with pytest.raises(ValueError, match="Wrong value for product.template.type: 'product'"):
        env18["product.template"].create({"name": "Old", "type": "product"})


def test_odoo_17_products_have_detailed_type_not_is_storable(env):
    with pytest.raises(ValueError, match="Invalid field 'is_storable' on model 'product.template'"):
        env["product.template"].create({"name": "New", "is_storable": True})
    template = env["product.template"].create({"name": "Box", "detailed_type": "product"})
    assert env["product.template"].read([template], ["type"])[0]["type"] == "product"


def test_odoo_18_storable_products_get_quants_and_sale_lines_keep_tax_id(env18):
    product = env18["product.product"].create({"name": "Box", "type": "consu", "is_storable": True})
    inventory = env18.with_context(inventory_mode=True)["stock.quant"]
    quant = inventory.create({"product_id": product, "location_id": env18.ref("stock.stock_location_stock"),
                              "inventory_quantity": 5})
    inventory.action_apply_inventory([quant])
    assert env18["product.product"].read([product], ["qty_available"])[0]["qty_available"] == 5.0
    assert "tax_id" in env18["sale.order.line"].fields_get() and "tax_ids" not in env18["sale.order.line"].fields_get()


def test_a_wrong_version_field_over_rpc_is_odoos_invalid_field_error(serve):
    odoo = serve(version=18)
    answer = odoo.execute("product.template", "create", [{"name": "Box", "detailed_type": "product"}])
    data = answer["error"]["data"]
    assert (data["name"], data["message"]) == ("builtins.ValueError",
                                               "Invalid field 'detailed_type' on model 'product.template'")


def test_odoo_18_taxes_are_included_through_an_override_or_the_company_default(env18):
    taxes = env18["account.tax"]
    ignored = taxes.create({"name": "A", "amount": 10, "price_include": True})
    override = taxes.create({"name": "B", "amount": 10, "price_include_override": "tax_included"})
    assert [row["price_include"] for row in taxes.read([ignored, override], ["price_include"])] == [False, True]

    env18["res.company"].write([env18.ref("base.main_company")], {"account_price_include": "tax_included"})
    assert taxes.read([ignored], ["price_include"])[0]["price_include"] is True
    partner = env18["res.partner"].create({"name": "Buyer"})
    move = env18["account.move"].create({"move_type": "out_invoice", "partner_id": partner, "invoice_line_ids": [
        (0, 0, {"name": "Work", "price_unit": 11.0, "tax_ids": [(6, 0, [ignored])]})]})
    assert env18["account.move"].read([move], ["amount_untaxed", "amount_total"])[0] == {
        "id": move, "amount_untaxed": 10.0, "amount_total": 11.0}
