"""The sandbox ORM's writes: create/write/unlink, Odoo's validation messages, x2many commands, ondelete."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import MissingError, ValidationError


def test_create_takes_a_dict_or_a_list_of_dicts(env):
    one = env["res.partner"].create({"name": "One"})
    many = env["res.partner"].create([{"name": "Two"}, {"name": "Three"}])

    assert isinstance(one, int) and len(many) == 2
    assert [r["name"] for r in env["res.partner"].read(many, ["name"])] == ["Two", "Three"]


def test_unknown_fields_are_refused_like_odoo(env):
    with pytest.raises(ValueError, match="^Invalid field 'nme' on model 'res.partner'$"):
        env["res.partner"].create({"nme": "x"})
    with pytest.raises(ValueError, match="Invalid field 'x' on model 'res.partner'"):
        env["res.partner"].read([1], ["x"])


def test_required_fields_give_odoos_not_null_message(env):
    with pytest.raises(ValidationError) as raised:
        env["product.category"].create({"parent_id": False})

    assert str(raised.value).startswith("The operation cannot be completed:\n- Create/update: a mandatory field")
    assert "Model: Product Category (product.category)\nField: Name (name)" in str(raised.value)


def test_many2one_targets_must_exist(env):
    with pytest.raises(ValidationError, match="Constraint: res_partner_country_id_fkey"):
        env["res.partner"].create({"name": "x", "country_id": 9999})


def test_selection_values_are_checked(env):
    with pytest.raises(ValueError, match="Wrong value for res.partner.type: 'bogus'"):
        env["res.partner"].create({"name": "x", "type": "bogus"})


def test_write_or_unlink_of_deleted_records_is_a_missing_error_naming_the_missing_ones(env):
    """As a real Odoo 17 answers (the missing records shown as a recordset, the existing ones left out)."""
    existing = env["res.partner"].create({"name": "Here"})
    with pytest.raises(MissingError) as written:
        env["res.partner"].write([existing, 4242, 4243], {"name": "x"})
    with pytest.raises(MissingError) as unlinked:
        env["res.partner"].unlink([4242])

    assert str(written.value) == ("Record does not exist or has been deleted.\n"
                                  "(Record: res.partner(4242, 4243), User: 2)")
    assert str(unlinked.value).endswith("(Record: res.partner(4242,), User: 2)")


def test_one2many_commands(env):
    partner = env["res.partner"].create({"name": "P"})
    product = env["product.product"].create({"name": "Widget"})
    line = {"product_id": product, "product_uom_qty": 1, "price_unit": 5}
    order = env["sale.order"].create({"partner_id": partner, "order_line": [(0, 0, line), (0, 0, line)]})
    first, second = env["sale.order"].read([order], ["order_line"])[0]["order_line"]

    env["sale.order"].write([order], {"order_line": [(1, first, {"product_uom_qty": 3}), (2, second, 0),
                                                     (0, 0, {**line, "price_unit": 7})]})
    lines = env["sale.order.line"].search_read([("order_id", "=", order)], ["product_uom_qty", "price_unit"])

    assert [(r["id"], r["product_uom_qty"], r["price_unit"]) for r in lines] == [
        (first, 3.0, 5.0), (second + 1, 1.0, 7.0)]
    env["sale.order"].write([order], {"order_line": [(5, 0, 0)]})
    assert env["sale.order.line"].search_count([]) == 0  # the inverse cascades: lines are deleted


def test_one2many_unlink_and_set_detach_when_the_inverse_does_not_cascade(env):
    parent = env["res.partner"].create({"name": "Co", "is_company": True})
    kids = env["res.partner"].create([{"name": "A", "parent_id": parent}, {"name": "B", "parent_id": parent}])
    other = env["res.partner"].create({"name": "C"})

    env["res.partner"].write([parent], {"child_ids": [(3, kids[0], 0), (4, other, 0)]})
    assert sorted(env["res.partner"].read([parent], ["child_ids"])[0]["child_ids"]) == [kids[1], other]
    env["res.partner"].write([parent], {"child_ids": [(6, 0, [kids[0]])]})
    assert env["res.partner"].read([parent], ["child_ids"])[0]["child_ids"] == [kids[0]]
    assert env["res.partner"].search_count([("id", "in", kids + [other])]) == 3  # detached, not deleted


def test_many2many_commands_and_plain_id_lists(env):
    taxes = env["account.tax"].create([{"name": "5%", "amount": 5}, {"name": "7%", "amount": 7}])
    product = env["product.template"].create({"name": "T", "taxes_id": [(6, 0, [])]})
    def read():
        return env["product.template"].read([product], ["taxes_id"])[0]["taxes_id"]

    env["product.template"].write([product], {"taxes_id": [(4, taxes[0], 0), (4, taxes[1], 0), (3, taxes[0], 0)]})
    assert read() == [taxes[1]]
    env["product.template"].write([product], {"taxes_id": [taxes[0]]})
    assert read() == [taxes[0]]
    env["product.template"].write([product], {"taxes_id": [(0, 0, {"name": "new"})]})
    assert len(read()) == 2
    env["product.template"].write([product], {"taxes_id": [(5,)]})
    assert read() == []


def test_malformed_commands_are_refused(env):
    with pytest.raises(ValueError, match="Wrong value for sale.order.order_line"):
        env["sale.order"].create({"partner_id": env["res.partner"].create({"name": "P"}), "order_line": [(9, 0)]})


def test_unlink_applies_restrict_cascade_and_set_null(env):
    category = env["product.category"].create({"name": "C"})
    env["product.template"].create({"name": "T", "categ_id": category})
    parent = env["res.partner"].create({"name": "Co", "is_company": True})
    child = env["res.partner"].create({"name": "Kid", "parent_id": parent})

    with pytest.raises(ValidationError, match="Constraint: product_template_categ_id_fkey"):
        env["product.category"].unlink([category])
    env["res.partner"].unlink([parent])
    assert env["res.partner"].read([child], ["parent_id"])[0]["parent_id"] is False


def test_unlink_of_absent_currencies_is_fine(env):
    """As a real Odoo 17 answers: a model without record rules (res.currency) ignores missing ids."""
    assert env["res.currency"].unlink([4242]) is True
    assert env["res.currency"].write([4242], {"symbol": "x"}) is True


def test_ir_model_data_is_unique_on_module_and_name(env):
    row = {"module": "magento", "name": "product_x", "model": "product.template", "res_id": 1}
    env["ir.model.data"].create(row)

    with pytest.raises(ValidationError, match="ir_model_data_module_name_uniq_index"):
        env["ir.model.data"].create(row)
    with pytest.raises(ValidationError, match="External IDs cannot contain spaces"):
        env["ir.model.data"].create({**row, "name": "a b"})
    assert env["ir.model.data"].create({**row, "module": "other"})
