"""Base and product models: partners, categories, templates and their variants."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import UserError, ValidationError


def test_contacts_require_a_name_but_addresses_do_not(env):
    parent = env["res.partner"].create({"name": "Jane"})

    with pytest.raises(ValidationError, match="Contacts require a name"):
        env["res.partner"].create({"type": "contact"})
    address = env["res.partner"].create({"type": "delivery", "parent_id": parent})
    assert env["res.partner"].read([address], ["display_name"])[0]["display_name"] == "Jane, Delivery Address"


def test_a_template_gets_its_variant_which_follows_code_and_archiving(env):
    template = env["product.template"].create({"name": "Mug", "default_code": "MUG-1", "list_price": 9.5,
                                                "detailed_type": "product"})
    variant = env["product.template"].read([template], ["product_variant_id"])[0]["product_variant_id"]

    assert variant[1] == "[MUG-1] Mug"
    env["product.template"].write([template], {"default_code": "MUG-2", "active": False})
    row = env["product.product"].with_context(active_test=False).read([variant[0]], [
        "default_code", "active", "type", "lst_price", "categ_id"])[0]
    assert row == {"id": variant[0], "default_code": "MUG-2", "active": False, "type": "product", "lst_price": 9.5,
                   "categ_id": [1, "All"]}


def test_a_variant_created_alone_creates_its_template(env):
    variant = env["product.product"].create({"name": "Pen", "default_code": "PEN", "list_price": 2.0})
    template = env["product.product"].read([variant], ["product_tmpl_id"])[0]["product_tmpl_id"][0]

    assert env["product.template"].read([template], ["name", "default_code", "product_variant_count"])[0] == {
        "id": template, "name": "Pen", "default_code": "PEN", "product_variant_count": 1}
    env["product.product"].write([variant], {"name": "Pen 2"})
    assert env["product.template"].read([template], ["name"])[0]["name"] == "Pen 2"


def test_categories_have_complete_names_and_parent_paths(env):
    top = env["product.category"].create({"name": "Gear"})
    bags = env["product.category"].create({"name": "Bags", "parent_id": top})

    row = env["product.category"].read([bags], ["complete_name", "parent_path", "display_name"])[0]
    assert row["complete_name"] == row["display_name"] == "Gear / Bags"
    assert row["parent_path"] == f"{top}/{bags}/"


def test_categories_refuse_recursion_and_the_default_category_cannot_go(env):
    top = env["product.category"].create({"name": "Top"})
    child = env["product.category"].create({"name": "Child", "parent_id": top})

    with pytest.raises(ValidationError, match="You cannot create recursive categories."):
        env["product.category"].write([top], {"parent_id": child})
    with pytest.raises(UserError, match="default generic category"):
        env["product.category"].unlink([env.ref("product.product_category_all")])


def test_deleting_a_category_deletes_its_subcategories(env):
    top = env["product.category"].create({"name": "Top"})
    child = env["product.category"].create({"name": "Child", "parent_id": top})

    env["product.category"].unlink([top])
    assert env["product.category"].search([("id", "in", [top, child])]) == []


def test_new_products_get_the_companys_default_sale_tax(env):
    template = env["product.template"].create({"name": "Taxed"})

    taxes = env["product.template"].read([template], ["taxes_id"])[0]["taxes_id"]
    assert taxes == [env.ref("account.1_sale_tax_template")]
