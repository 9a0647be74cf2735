"""``decimal.precision``: the named precisions of a fresh database, read by the float fields that round to them."""

from __future__ import annotations


def test_a_fresh_database_has_odoos_precisions(env):
    """As a real Odoo 17 (sale_management, stock, account, no demo) answers ``search_read`` on decimal.precision."""
    rows = env["decimal.precision"].search_read([], ["name", "digits"])

    assert [(row["id"], row["name"], row["digits"]) for row in rows] == [
        (1, "Percentage Analytic", 2), (2, "Product Price", 2), (3, "Discount", 2), (4, "Stock Weight", 2),
        (5, "Volume", 2), (6, "Product Unit of Measure", 2), (7, "Payment Terms", 6)]


def test_prices_and_quantities_round_to_the_precision_the_database_holds(env):
    """Changing "Product Price" to 4 digits keeps 4 decimals of a unit price and ``fields_get`` says so."""
    partner = env["res.partner"].create({"name": "Buyer"})
    product = env["product.product"].create({"name": "Work", "detailed_type": "service"})
    price = env["decimal.precision"].search([("name", "=", "Product Price")])
    before = env["sale.order.line"].fields_get(["price_unit"], ["digits"])
    env["decimal.precision"].write(price, {"digits": 4})
    order = env["sale.order"].create({"partner_id": partner, "order_line": [
        (0, 0, {"product_id": product, "product_uom_qty": 1.005, "price_unit": 1.23456, "tax_id": []}),
    ]})
    line = env["sale.order.line"].search_read([("order_id", "=", order)], ["price_unit", "product_uom_qty"])[0]

    assert before == {"price_unit": {"digits": [16, 2]}}
    assert env["sale.order.line"].fields_get(["price_unit"], ["digits"]) == {"price_unit": {"digits": [16, 4]}}
    assert (line["price_unit"], line["product_uom_qty"]) == (1.2346, 1.01)


def test_fields_get_answers_only_the_attributes_asked_for(env):
    """As a real Odoo 17 answers: an attribute a field does not have (digits of a char) is left out."""
    described = env["res.partner"].fields_get(["name", "country_id"], ["string", "type", "digits", "store"])

    assert described == {"name": {"string": "Name", "type": "char", "store": True},
                         "country_id": {"string": "Country", "type": "many2one", "store": True}}
