"""Installed modules: ``ir.module.module`` answers what is installed; stock_delivery's field exists only with it."""

from __future__ import annotations

REQUIRED = ["sale_management", "sale", "stock", "account", "stock_delivery"]


def _installed(odoo):
    rows = odoo.result("ir.module.module", "search_read",
                       [[("name", "in", REQUIRED), ("state", "=", "installed")]], {"fields": ["name"]})
    return sorted(row["name"] for row in rows)


def _picking(odoo):
    partner = odoo.result("res.partner", "create", [{"name": "Buyer"}])
    kind = odoo.result("stock.picking.type", "search", [[("code", "=", "outgoing")]])[0]
    locations = odoo.result("stock.picking.type", "read", [[kind], ["default_location_src_id",
                                                                     "default_location_dest_id"]])[0]
    return odoo.result("stock.picking", "create", [{
        "partner_id": partner, "picking_type_id": kind, "location_id": locations["default_location_src_id"][0],
        "location_dest_id": locations["default_location_dest_id"][0]}])


def test_stock_delivery_is_not_installed_by_default_and_its_field_does_not_exist(odoo):
    assert _installed(odoo) == ["account", "sale", "sale_management", "stock"]
    picking = _picking(odoo)

    answer = odoo.execute("stock.picking", "write", [[picking], {"carrier_tracking_ref": "1Z999"}])
    data = answer["error"]["data"]
    assert (data["name"], data["message"]) == ("builtins.ValueError",
                                               "Invalid field 'carrier_tracking_ref' on model 'stock.picking'")
    assert "carrier_tracking_ref" not in odoo.result("stock.picking", "fields_get", [])


def test_a_sandbox_started_with_stock_delivery_has_the_tracking_reference(serve):
    odoo = serve(modules=("stock_delivery",))
    picking = _picking(odoo)

    assert _installed(odoo) == sorted(REQUIRED)
    assert odoo.result("stock.picking", "write", [[picking], {"carrier_tracking_ref": "1Z999"}]) is True
    assert odoo.result("stock.picking", "read", [[picking], ["carrier_tracking_ref"]])[0]["carrier_tracking_ref"] \
        == "1Z999"


def test_installing_stock_delivery_with_its_dependencies_adds_the_field(odoo):
    module = odoo.result("ir.module.module", "search", [[("name", "=", "stock_delivery")]])
    odoo.result("ir.module.module", "button_immediate_install", [module])

    states = odoo.result("ir.module.module", "search_read", [[("name", "in", ["delivery", "stock_delivery"])]],
                         {"fields": ["name", "state"]})
    assert {row["name"]: row["state"] for row in states} == {"delivery": "installed", "stock_delivery": "installed"}
    assert "carrier_tracking_ref" in odoo.result("stock.picking", "fields_get", [])
    odoo.admin("POST", "reset")
    assert "carrier_tracking_ref" not in odoo.result("stock.picking", "fields_get", [])
