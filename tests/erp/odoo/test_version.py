"""Odoo 17 and 18 field names, read from the server once."""

from __future__ import annotations

import pytest

from erp.odoo.version import Dialect, Server, major_version


@pytest.mark.parametrize(("answer", "major"), [
    ({"server_version_info": [17, 0, 0, "final", 0, ""], "server_version": "17.0"}, 17),
    ({"server_version_info": [18, 0, 0, "final", 0, ""]}, 18),
    ({"server_version_info": ["saas~18", 2, 0, "final", 0, ""], "server_version": "saas~18.2"}, 18),
    ({"server_version": "18.0+e"}, 18),
])
def test_major_version_from_common_version(answer, major):
    assert major_version(answer) == major


def test_an_answer_without_version_is_an_error():
    with pytest.raises(ValueError, match="without a version number"):
        major_version({"protocol_version": 1})


def test_odoo_17_and_18_product_types():
    assert Dialect(17).product_type_vals("storable") == {"detailed_type": "product"}
    assert Dialect(17).product_type_vals("service") == {"detailed_type": "service"}
    assert Dialect(18).product_type_vals("storable") == {"type": "consu", "is_storable": True}
    assert Dialect(18).product_type_vals("consumable") == {"type": "consu", "is_storable": False}
    assert Dialect(18).product_type_vals("service") == {"type": "service"}
    assert Dialect(18).is_storable({"type": "consu", "is_storable": True})
    assert Dialect(17).is_storable({"type": "product"}) and not Dialect(17).is_storable({"type": "consu"})


def test_sale_line_names_by_version_unless_the_server_says_otherwise():
    assert (Dialect(17).sale_line_taxes, Dialect(17).sale_line_uom) == ("tax_id", "product_uom")
    assert (Dialect(18).sale_line_taxes, Dialect(18).sale_line_uom) == ("tax_ids", "product_uom_id")
    assert Dialect(18, frozenset({"tax_id", "product_uom"})).sale_line_taxes == "tax_id"  # 18.0 kept them
    assert Dialect(18, frozenset({"tax_ids", "product_uom_id"})).sale_line_uom == "product_uom_id"


@pytest.mark.parametrize(("odoo_sandbox", "major"), [({"version": 17}, 17), ({"version": 18}, 18)],
                         indirect=["odoo_sandbox"])
def test_the_server_is_asked_once(odoo_sandbox, odoo_rpc, major):
    server = Server(odoo_rpc)

    assert server.dialect.major == server.dialect.major == major
    assert server.has_field("sale.order.line", "price_unit") and not server.has_field("stock.picking",
                                                                                      "carrier_tracking_ref")
    server.fields("sale.order.line")
    assert odoo_sandbox.calls()["common.version"] == 1
    assert odoo_sandbox.calls()["sale.order.line.fields_get"] == 1
