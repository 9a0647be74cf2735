"""Units of measure: products default to Units, lines and moves take their product's unit."""

from __future__ import annotations


def test_lines_and_moves_take_the_products_unit_unless_given(env):
    units, dozens = env.ref("uom.product_uom_unit"), env.ref("uom.product_uom_dozen")
    product = env["product.product"].create({"name": "Egg", "detailed_type": "consu"})
    partner = env["res.partner"].create({"name": "Buyer"})
    order = env["sale.order"].create({"partner_id": partner, "order_line": [
        (0, 0, {"product_id": product}), (0, 0, {"product_id": product, "product_uom": dozens})]})
    env["sale.order"].action_confirm([order])
    move = env["account.move"].create({"move_type": "out_invoice", "partner_id": partner,
                                       "invoice_line_ids": [(0, 0, {"product_id": product})]})

    assert env["product.product"].read([product], ["uom_id"])[0]["uom_id"] == [units, "Units"]
    lines = env["sale.order.line"].search_read([("order_id", "=", order)], ["product_uom"])
    assert [line["product_uom"][0] for line in lines] == [units, dozens]
    moves = env["stock.move"].search_read([("sale_line_id", "in", [line["id"] for line in lines])], ["product_uom"])
    assert sorted(m["product_uom"][0] for m in moves) == sorted([units, dozens])
    invoice_line = env["account.move.line"].search_read([("move_id", "=", move)], ["product_uom_id"])[0]
    assert invoice_line["product_uom_id"][0] == units
