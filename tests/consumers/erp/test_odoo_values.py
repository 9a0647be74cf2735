"""Pure mapping of ERP documents to Odoo values, and binding names."""

from __future__ import annotations

import re

import pytest

from consumers.erp import odoo_values as values


@pytest.mark.parametrize(("prefix", "key", "name"), [
    ("product", "MH09-XS-Blue", "product_mh09-xs-blue"),
    ("order", "42", "order_42"),
    ("product", "a_b", "product_a_b"),
])
def test_plain_keys_stay_readable_and_lower_case(prefix, key, name):
    assert values.binding_name(prefix, key) == name


@pytest.mark.parametrize("key", ["24 MB/01", "Café Crème", "x" * 80, "日本", "a.b", "a b "])
def test_odd_keys_become_valid_unique_names(key):
    name = values.binding_name("product", key)

    assert re.fullmatch(r"product_[a-z0-9_]+", name) and " " not in name
    assert name == values.binding_name("product", key.upper())  # SKUs are case-insensitive in Magento
    assert name != values.binding_name("product", key + "!")


def test_odd_and_plain_keys_never_collide():
    assert values.binding_name("product", "a b") != values.binding_name("product", "a_b")


def test_child_and_guest_names():
    assert values.address_name("customer", "7", "invoice") == "address_customer_7_invoice"
    assert values.guest_name(" Ana@Example.com", "5") == values.guest_name("ana@example.com", "6")
    assert values.guest_name(None, "5") == "guest_order_5"
    assert values.line_name(100) == "line_order_100"


def test_order_dependencies_are_its_customer_and_products_once_each(documents):
    order = documents.order(lines=[documents.line(1, "A"), documents.line(2, "B"), documents.line(3, "A")])

    assert values.dependencies("order", order) == [("customer", "501"), ("product", "A"), ("product", "B")]
    assert values.dependencies("order", {**order, "customer": documents.guest("x@y.test")}) == [
        ("product", "A"), ("product", "B")]


@pytest.mark.parametrize(("entity", "document", "expected"), [
    ("invoice", {"order_id": 5}, [("order", "5")]),
    ("shipment", {"order_id": 5}, [("order", "5")]),
    ("creditmemo", {"order_id": 5}, [("order", "5")]),
    ("product", {"category_ids": [3, 4, 3]}, [("category", "3"), ("category", "4")]),
    ("category", {"parent_id": 2}, [("category", "2")]),
    ("category", {"parent_id": None}, []),
    ("stock", {"sku": "A"}, [("product", "A")]),
    ("customer", {}, []),
])
def test_other_dependencies(entity, document, expected):
    assert values.dependencies(entity, document) == expected


@pytest.mark.parametrize(("magento", "odoo"), [("simple", "product"), ("virtual", "service"),
                                               ("downloadable", "service"), ("configurable", "consu"),
                                               ("bundle", "consu"), ("grouped", "consu"), ("weird", "consu")])
def test_product_types(documents, magento, odoo):
    assert values.product_create_vals(documents.product("A", type=magento)) == {"detailed_type": odoo}


def test_product_vals(documents):
    doc = documents.product("TR-1", price=None, weight=None, status=2)

    assert values.product_vals(doc, 4) == {"name": "Trail TR-1", "default_code": "TR-1", "list_price": 0.0,
                                           "weight": 0.0, "sale_ok": False, "active": True, "categ_id": 4}
    assert "categ_id" not in values.product_vals(doc, None)


def test_deepest_category_wins_and_ties_go_to_the_first_listed():
    paths = {3: "1/3/", 4: "1/3/4/", 5: "1/3/5/"}

    assert values.deepest_category([3, 4, 5], paths) == 4
    assert values.deepest_category([5, 4], paths) == 5
    assert values.deepest_category([9], paths) is None


def test_category_parent_is_only_written_when_known(documents):
    doc = documents.category(3, "Gear", 2)

    assert values.category_vals(doc, 12, parent_known=True) == {"name": "Gear", "parent_id": 12}
    assert values.category_vals(doc, None, parent_known=False) == {"name": "Gear"}
    assert values.category_vals(documents.category(1, "Root", None), None, parent_known=True)["parent_id"] is False


def test_address_and_customer_vals(documents):
    address = documents.address()

    assert values.address_vals(address, role="invoice", parent_id=9, country_id=1, state_id=2, email="e@x.test") == {
        "type": "invoice", "parent_id": 9, "is_company": False, "active": True, "name": "Lena Marsh",
        "company_name": "Marsh & Co", "email": "e@x.test", "street": "12 Quarry Lane", "street2": "Unit 4",
        "city": "Bend", "zip": "97701", "phone": "541-555-0199", "country_id": 1, "state_id": 2}
    customer = values.customer_vals(documents.customer(firstname=None, lastname=None), address, 1, None)
    assert customer["name"] == "lena.marsh@example.net" and customer["street"] == "12 Quarry Lane"
    assert values.default_address(documents.customer(), "delivery")["city"] == "Salem"


def test_guest_vals_fall_back_to_the_billing_name(documents):
    order = documents.order(customer=documents.guest("oli@example.org", firstname=None, lastname=None))

    assert values.guest_vals(order) == {"name": "Lena Marsh", "email": "oli@example.org", "type": "contact",
                                        "is_company": False, "active": True}


@pytest.mark.parametrize(("state", "target"), [("processing", "sale"), ("complete", "sale"), ("closed", "sale"),
                                               ("canceled", "cancel"), ("new", None), ("holded", None),
                                               ("pending_payment", None), (None, None)])
def test_order_target_state(state, target):
    assert values.order_target_state(state) == target


def test_discount_is_a_percentage_of_the_row(documents):
    assert values.discount_percent(documents.line(1, "A", qty=2, price=50, discount_amount=25)) == 25.0
    assert values.discount_percent(documents.line(1, "A", qty=0, price=50, discount_amount=25)) == 0.0


def test_order_lines_bind_by_item_and_add_shipping(documents):
    order = documents.order(lines=[documents.line(1, "A", components=["A1", "A2"])])

    wanted = values.order_lines(order, {"A": 11}, shipping_product=99)

    assert [name for name, _ in wanted] == ["line_order_1", "shipping_order_9001"]
    assert wanted[0][1] == {"product_id": 11, "name": "[A] Trail A\n- A1\n- A2", "sequence": 10,
                            "product_uom_qty": 1.0, "price_unit": 34.0, "discount": 0.0, "tax_id": [(6, 0, [])]}
    assert wanted[1][1]["price_unit"] == 7.5 and wanted[1][1]["sequence"] == 20
    assert len(values.order_lines({**order, "shipping_amount": 0}, {"A": 11}, 99)) == 1


def test_line_commands_update_bound_lines_and_create_new_ones():
    wanted = [("line_order_1", {"q": 1}), ("line_order_2", {"q": 2})]

    commands, created = values.plan_line_commands(wanted, {"line_order_1": 50}, [50], confirmed=False)

    assert commands == [(1, 50, {"q": 1}), (0, 0, {"q": 2})]
    assert created == ["line_order_2"]


def test_lines_gone_from_magento_are_removed_from_quotations_and_zeroed_on_confirmed_orders():
    wanted = [("line_order_1", {"q": 1})]

    assert values.plan_line_commands(wanted, {"line_order_1": 50}, [50, 51], confirmed=False)[0][-1] == (2, 51, 0)
    assert values.plan_line_commands(wanted, {"line_order_1": 50}, [50, 51], confirmed=True)[0][-1] == (
        1, 51, {"product_uom_qty": 0.0})


def test_a_binding_to_a_line_of_another_order_is_not_reused():
    commands, created = values.plan_line_commands([("line_order_1", {"q": 1})], {"line_order_1": 77}, [50], False)

    assert commands == [(0, 0, {"q": 1}), (2, 50, 0)] and created == ["line_order_1"]


def test_move_vals_and_lines(documents):
    doc = documents.creditmemo(discount_amount=-4)

    assert values.move_vals(doc, move_type="out_refund", partner_id=3, origin="S00001", currency_id=None) == {
        "move_type": "out_refund", "partner_id": 3, "ref": "300071", "invoice_origin": "S00001",
        "invoice_date": "2024-02-11"}
    assert values.move_line_vals(doc["lines"][0], 12, 40) == {
        "name": "[TR-2] Trail TR-2", "quantity": 1.0, "price_unit": 20.0, "tax_ids": [(6, 0, [])],
        "product_id": 12, "sale_line_ids": [(6, 0, [40])]}
    assert [(line["name"], line["price_unit"]) for line in values.move_extra_lines(doc, 99, None)] == [
        ("Discount", -4.0), ("Adjustment refund", 3.0), ("Adjustment fee", -5.0)]


def test_move_target_state():
    assert values.move_target_state(3) == "cancel"
    assert values.move_target_state(1) == values.move_target_state(2) == "posted"


def test_tracking_reference_adds_numbers_once():
    tracks = [{"number": "A1"}, {"number": "B2"}, {"number": None}]

    assert values.tracking_reference(False, tracks) == "A1,B2"
    assert values.tracking_reference("Z9, A1", tracks) == "Z9,A1,B2"
    assert values.tracking_reference(False, []) is None
