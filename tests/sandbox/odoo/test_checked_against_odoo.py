"""Behaviours the sandbox had kinder or different until compared call by call with a real Odoo 17.0 Community
(stock and base_automation installed, no demo data) on 2026-12-06; each test names what the real server answered."""

from __future__ import annotations

import pytest

from tests.sandbox.odoo.conftest import Client

ACCESS_RIGHTS = ("This operation is allowed for the following groups:\n\t- Administration/Access Rights\n\n"
                 "Contact your administrator to request access if necessary.")


def _error(answer: dict) -> tuple[str, str]:
    return answer["error"]["data"]["name"], answer["error"]["data"]["message"]


def _bridge_user(odoo: Client, groups: tuple[str, ...] = ("stock.group_stock_manager",)) -> int:
    ids = [odoo.result("ir.model.data", "search_read", [[("module", "=", xmlid.split(".")[0]),
                                                         ("name", "=", xmlid.split(".")[1])]],
                       {"fields": ["res_id"]})[0]["res_id"] for xmlid in groups]
    return odoo.result("res.users", "create", [{"name": "Magento Bridge", "login": "bridge", "password": "pw-b",
                                                "groups_id": [(6, 0, ids)]}])


def test_the_admin_of_a_database_without_demo_data_is_administrator(odoo):
    partner = odoo.result("res.partner", "create", [{"name": "Ada"}])

    row = odoo.result("res.partner", "read", [[partner]], {"fields": ["create_uid", "write_uid"]})[0]

    assert row["create_uid"] == row["write_uid"] == [2, "Administrator"]
    [warehouse] = odoo.result("stock.warehouse", "read", [[1]], {"fields": ["name", "view_location_id"]})
    assert (warehouse["name"], warehouse["view_location_id"][1]) == ("My Company", "WH")


@pytest.mark.parametrize("shape", ["{day}T{time}", "{day}T{time}Z", "{day}T{time}+05:00", "{day} {hhmm}", "{day}"])
def test_a_write_date_domain_takes_iso_texts_and_ignores_an_offset_as_postgresql_does(odoo, shape):
    partner = odoo.result("res.partner", "create", [{"name": "Ada"}])
    stamp = odoo.result("res.partner", "read", [[partner]], {"fields": ["write_date"]})[0]["write_date"]
    day, time = stamp.split(" ")

    text = shape.format(day=day, time=time, hhmm=time[:5])

    assert odoo.result("res.partner", "search", [[("id", "=", partner), ("write_date", ">=", text)]]) == [partner]


def test_a_users_password_reads_as_empty_text(odoo):
    bridge = _bridge_user(odoo)

    assert odoo.result("res.users", "read", [[bridge]], {"fields": ["password"]}) == [{"id": bridge, "password": ""}]


def test_a_stock_user_may_write_stock_and_itself_but_not_other_users(odoo):
    bridge = _bridge_user(odoo)
    as_bridge = {"uid": bridge, "password": "pw-b"}

    assert odoo.execute("res.users", "write", [[bridge], {"name": "Bridge"}], **as_bridge) == {
        "jsonrpc": "2.0", "id": odoo.next_id, "result": True}
    refused = (("write", [[2], {"name": "x"}], "modify"), ("create", [{"name": "x", "login": "x"}], "create"),
               ("unlink", [[bridge]], "delete"))
    for method, args, verb in refused:
        answer = odoo.execute("res.users", method, args, **as_bridge)
        assert _error(answer) == ("odoo.exceptions.AccessError",
                                  f"You are not allowed to {verb} 'User' (res.users) records.\n\n{ACCESS_RIGHTS}")
    assert odoo.result("res.users", "read", [[2]], {"fields": ["name"]})[0]["name"] == "Administrator"


def test_a_new_warehouse_gets_its_view_and_stock_locations_and_counts_apart(odoo):
    warehouse = odoo.result("stock.warehouse", "create", [{"name": "Berlin", "code": "BER"}])
    [row] = odoo.result("stock.warehouse", "read", [[warehouse]], {"fields": ["view_location_id", "lot_stock_id"]})
    product = odoo.result("product.product", "create", [{"name": "Box", "detailed_type": "product"}])
    for location, quantity in ((8, 10), (row["lot_stock_id"][0], 4)):
        quant = odoo.result("stock.quant", "create", [{"product_id": product, "location_id": location,
                                                       "inventory_quantity": quantity}],
                            {"context": {"inventory_mode": True}})
        odoo.execute("stock.quant", "action_apply_inventory", [[quant]], {"context": {"inventory_mode": True}})

    def on_hand(**context):
        return odoo.result("product.product", "read", [[product]], {"fields": ["qty_available"],
                                                                     "context": context})[0]["qty_available"]

    assert (row["view_location_id"][1], row["lot_stock_id"][1]) == ("BER", "BER/Stock")
    assert (on_hand(), on_hand(location="WH/Stock"), on_hand(location="BER/Stock"), on_hand(warehouse=warehouse),
            on_hand(location="Stock")) == (14.0, 10.0, 4.0, 4.0, 14.0)
    assert odoo.result("stock.picking.type", "search_read", [[("warehouse_id", "=", warehouse)]],
                       {"fields": ["code", "default_location_src_id"]}) == [
        {"id": 2, "code": "outgoing", "default_location_src_id": [row["lot_stock_id"][0], "BER/Stock"]}]
    duplicate = odoo.execute("stock.warehouse", "create", [{"name": "Again", "code": "BER"}])
    assert _error(duplicate) == ("odoo.exceptions.ValidationError", "The operation cannot be completed: The short "
                                 "name of the warehouse must be unique per company!")


def test_an_inventory_move_is_named_after_the_user_who_counted(odoo):
    bridge = _bridge_user(odoo)
    product = odoo.result("product.product", "create", [{"name": "Box", "detailed_type": "product"}])
    for uid, password, quantity in ((2, "admin", 10), (bridge, "pw-b", 7)):
        context = {"context": {"inventory_mode": True}}
        quant = odoo.execute("stock.quant", "create", [{"product_id": product, "location_id": 8,
                                                         "inventory_quantity": quantity}], context,
                             uid=uid, password=password)["result"]
        odoo.execute("stock.quant", "action_apply_inventory", [[quant]], context, uid=uid, password=password)

    moves = odoo.result("stock.move", "search_read", [[("product_id", "=", product)]],
                        {"fields": ["name", "reference", "write_uid"], "order": "id"})

    assert [(move["name"], move["reference"], move["write_uid"][0]) for move in moves] == [
        ("Product Quantity Updated (Administrator)", "Product Quantity Updated (Administrator)", 2),
        ("Product Quantity Updated (Magento Bridge)", "Product Quantity Updated (Magento Bridge)", bridge)]


def test_only_a_stock_manager_applies_a_count_and_new_users_are_managers_by_default(odoo):
    clerk = _bridge_user(odoo, ("base.group_user", "stock.group_stock_user"))
    plain = odoo.result("res.users", "create", [{"name": "Plain", "login": "plain", "password": "pw-p"}])
    product = odoo.result("product.product", "create", [{"name": "Box", "detailed_type": "product"}])
    context = {"context": {"inventory_mode": True}}

    def count(uid, password):
        quant = odoo.execute("stock.quant", "create", [{"product_id": product, "location_id": 8,
                                                         "inventory_quantity": 3}], context, uid=uid, password=password)
        return odoo.execute("stock.quant", "action_apply_inventory", [[quant["result"]]], context, uid=uid,
                            password=password)

    assert _error(count(clerk, "pw-b")) == ("odoo.exceptions.UserError",
                                            "Only a stock manager can validate an inventory adjustment.")
    assert "error" not in count(plain, "pw-p")
    assert odoo.result("product.product", "read", [[product]], {"fields": ["qty_available"]})[0]["qty_available"] == 3.0
