"""Odoo 17's tax arithmetic: compute_all for percent, fixed and division taxes, price-included taxes, several
taxes on one line, round per line or globally, and the amounts of sale orders and invoices computed with it."""

from __future__ import annotations

import pytest

from sandbox.odoo.errors import UserError, ValidationError
from sandbox.odoo.tax import compute_all, document_totals, line_amounts


def tax(tid, amount, amount_type="percent", price_include=False):
    return {"id": tid, "amount": amount, "amount_type": amount_type, "price_include": price_include}


def test_a_percent_tax_on_the_price_without_tax():
    result = compute_all([tax(1, 15)], 10.0, 3)
    assert (result.total_excluded, result.total_included, result.taxes) == (30.0, 34.5, ((1, 4.5),))


def test_a_price_included_tax_takes_the_base_out_of_the_total_rounded_per_line():
    one = compute_all([tax(1, 15, price_include=True)], 10.0, 1)
    three = compute_all([tax(1, 15, price_include=True)], 10.0, 3)
    assert (one.total_excluded, one.taxes, one.total_included) == (8.7, ((1, 1.3),), 10.0)
    assert (three.total_excluded, three.taxes, three.total_included) == (26.09, ((1, 3.91),), 30.0)
    assert document_totals([one, one, one]) == (26.1, 3.9, 30.0)


def test_fixed_and_division_taxes():
    assert compute_all([tax(1, 2.0, "fixed")], 10.0, 3).taxes == ((1, 6.0),)
    division = compute_all([tax(1, 10, "division")], 90.0, 1)
    assert (division.total_excluded, division.total_included) == (90.0, 100.0)
    included = compute_all([tax(1, 10, "division", price_include=True)], 100.0, 1)
    assert (included.total_excluded, included.taxes) == (90.0, ((1, 10.0),))


def test_several_taxes_on_one_line_apply_to_the_same_base():
    result = compute_all([tax(1, 1.0, "fixed"), tax(2, 15)], 10.0, 1)
    assert (result.taxes, result.total_included) == (((1, 1.0), (2, 1.5)), 12.5)


def test_two_price_included_taxes_end_exactly_on_the_price():
    result = compute_all([tax(1, 15, price_include=True), tax(2, 6, price_include=True)], 121.5, 1)
    assert result.total_excluded == 100.41
    assert result.taxes == ((1, 15.06), (2, 6.03))
    assert result.total_included == 121.5


def test_round_per_line_and_round_globally_differ_by_the_cent_odoo_differs_by():
    per_line = [line_amounts([tax(1, 15)], 0.10, 1, 0.0) for _ in range(3)]
    globally = [line_amounts([tax(1, 15)], 0.10, 1, 0.0, round_tax=False) for _ in range(3)]
    assert document_totals(per_line) == (0.3, 0.06, 0.36)
    assert document_totals(globally) == (0.3, 0.05, 0.35)


def test_a_discount_applies_to_the_unit_price_before_taxes():
    result = line_amounts([tax(1, 15)], 100.0, 1, 10.0)
    assert (result.total_excluded, result.total_included) == (90.0, 103.5)
    assert line_amounts([], 33.33, 3, 0.0).total_excluded == 99.99


def test_negative_lines_are_computed_on_their_absolute_value():
    result = compute_all([tax(1, 15)], -10.0, 1)
    assert (result.total_excluded, result.taxes, result.total_included) == (-10.0, ((1, -1.5),), -11.5)


# ---- through the models

@pytest.fixture
def partner(env):
    return env["res.partner"].create({"name": "Buyer"})


@pytest.fixture
def product(env):
    return env["product.product"].create({"name": "Work", "detailed_type": "service"})


@pytest.fixture
def included(env):
    return env["account.tax"].create({"name": "15% incl", "amount": 15, "price_include": True})


def test_sale_order_lines_store_prices_and_discounts_rounded_and_compute_amounts(env, partner, product, included):
    order = env["sale.order"].create({"partner_id": partner, "order_line": [
        (0, 0, {"product_id": product, "name": "A", "product_uom_qty": 3.004, "price_unit": 19.999, "discount": 12.345,
                "tax_id": [(6, 0, [env.ref("account.1_sale_tax_template")])]}),
        (0, 0, {"product_id": product, "name": "B", "price_unit": 10.0, "tax_id": [(6, 0, [included])]})]})
    lines = env["sale.order.line"].search_read([("order_id", "=", order)], [
        "product_uom_qty", "price_unit", "discount", "price_subtotal", "price_tax", "price_total"])

    assert [(line["product_uom_qty"], line["price_unit"], line["discount"]) for line in lines] == [
        (3.0, 20.0, 12.35), (1.0, 10.0, 0.0)]
    assert [(line["price_subtotal"], line["price_tax"], line["price_total"]) for line in lines] == [
        (52.59, 7.890000000000001, 60.48), (8.7, 1.3, 10.0)]  # price_tax is a plain float: 789 * 0.01
    totals = env["sale.order"].read([order], ["amount_untaxed", "amount_tax", "amount_total"])[0]
    assert (totals["amount_untaxed"], totals["amount_tax"], totals["amount_total"]) == (61.29, 9.19, 70.48)


def test_amounts_are_read_only_and_follow_a_write(env, partner, product):
    order = env["sale.order"].create({"partner_id": partner, "order_line": [
        (0, 0, {"product_id": product, "price_unit": 10.0, "tax_id": [(6, 0, [])]})]})
    env["sale.order"].write([order], {"amount_total": 1.0})
    line = env["sale.order.line"].search([("order_id", "=", order)])
    env["sale.order.line"].write(line, {"product_uom_qty": 4})

    assert env["sale.order"].read([order], ["amount_total"])[0]["amount_total"] == 40.0
    assert env["sale.order"].fields_get(["amount_total"], ["readonly"]) == {"amount_total": {"readonly": True}}


def test_the_company_can_round_globally(env, partner):
    env["res.company"].write([env.ref("base.main_company")], {"tax_calculation_rounding_method": "round_globally"})
    move = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner, "invoice_line_ids": [
        (0, 0, {"name": f"L{n}", "price_unit": 0.10, "tax_ids": [(6, 0, [env.ref("account.1_sale_tax_template")])]})
        for n in range(3)]})

    row = env["account.move"].read([move], ["amount_untaxed", "amount_tax", "amount_total"])[0]
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (0.3, 0.05, 0.35)


def test_invoice_lines_have_subtotal_and_total_but_no_price_tax_field(env, partner, included):
    move = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner, "invoice_line_ids": [
        (0, 0, {"name": "A", "quantity": 3, "price_unit": 10.0, "tax_ids": [(6, 0, [included])]})]})
    line = env["account.move.line"].search([("move_id", "=", move)])

    assert env["account.move.line"].read(line, ["price_subtotal", "price_total"])[0] == {
        "id": line[0], "price_subtotal": 26.09, "price_total": 30.0}
    with pytest.raises(ValueError, match="Invalid field 'price_tax' on model 'account.move.line'"):
        env["account.move.line"].read(line, ["price_tax"])


def test_the_generic_chart_seeds_a_sale_and_a_purchase_tax_and_names_are_unique(env):
    taxes = env["account.tax"].search_read([], ["name", "amount", "amount_type", "type_tax_use", "price_include"])
    assert [(t["name"], t["amount"], t["amount_type"], t["type_tax_use"], t["price_include"]) for t in taxes] == [
        ("15%", 15.0, "percent", "sale", False), ("15%", 15.0, "percent", "purchase", False)]
    with pytest.raises(ValidationError, match="Tax names must be unique!"):
        env["account.tax"].create({"name": "15%", "amount": 15})


@pytest.mark.parametrize("values", [{"include_base_amount": True}, {"amount_type": "group"}])
def test_what_the_sandbox_cannot_compute_is_refused_not_computed_wrong(env, values):
    with pytest.raises(UserError, match="not modelled"):
        env["account.tax"].create({"name": "Odd", "amount": 5, **values})


SALE_LINES_OF_A_REAL_ODOO = [  # (qty, price_unit, discount, taxes) -> subtotal, price_tax, total (FINDINGS (a))
    ((1.25, 33.335, 12.5, ["8.25"]), (36.47, 3.0100000000000002, 39.48)),
    ((2, 10.825, 0, ["8.25inc"]), (20.01, 1.6500000000000001, 21.66)),
    ((5, 3.3333, 0, ["19inc", "8.25"]), (13.99, 3.8100000000000005, 17.8)),
    ((1, -10, 0, ["19"]), (-10.0, -1.9000000000000001, -11.9)),
    ((1, 100.5, 3.333, ["15", "8.25"]), (97.15, 22.58, 119.73)),
    ((3, 19.995, 0, ["19"]), (60.0, 11.4, 71.4)),
]


@pytest.mark.parametrize("rounding", ["round_per_line", "round_globally"])
def test_sale_line_price_tax_is_the_unrounded_float_odoo_returns(env, partner, product, rounding):
    """As a real Odoo 17 answers (both rounding methods): ``price_tax`` is a float field without digits holding
    each tax's amount as Odoo's float_round gives it (301 * 0.01), summed; subtotal and total are monetary."""
    env["res.company"].write([env.ref("base.main_company")], {"tax_calculation_rounding_method": rounding})
    taxes = {name: env["account.tax"].create({"name": f"T{name}", "amount": float(name.removesuffix("inc")),
                                              "price_include": name.endswith("inc")})
             for name in ("8.25", "19", "15", "8.25inc", "19inc")}
    order = env["sale.order"].create({"partner_id": partner, "order_line": [
        (0, 0, {"product_id": product, "product_uom_qty": qty, "price_unit": price, "discount": discount,
                "tax_id": [(6, 0, [taxes[name] for name in names])]})
        for (qty, price, discount, names), _ in SALE_LINES_OF_A_REAL_ODOO]})
    lines = env["sale.order.line"].search_read([("order_id", "=", order)],
                                               ["price_subtotal", "price_tax", "price_total"])

    assert [(line["price_subtotal"], line["price_tax"], line["price_total"]) for line in lines] == [
        expected for _, expected in SALE_LINES_OF_A_REAL_ODOO]


def test_fields_get_types_sale_line_price_tax_as_a_float_without_digits(env):
    """As a real Odoo 17 answers ``fields_get`` with attributes digits, readonly, store and type."""
    described = env["sale.order.line"].fields_get(
        ["product_uom_qty", "price_unit", "discount", "price_subtotal", "price_tax"],
        ["digits", "readonly", "store", "type"])

    assert described == {
        "product_uom_qty": {"digits": [16, 2], "readonly": False, "store": True, "type": "float"},
        "price_unit": {"digits": [16, 2], "readonly": False, "store": True, "type": "float"},
        "discount": {"digits": [16, 2], "readonly": False, "store": True, "type": "float"},
        "price_subtotal": {"readonly": True, "store": True, "type": "monetary"},
        "price_tax": {"readonly": True, "store": True, "type": "float"}}
